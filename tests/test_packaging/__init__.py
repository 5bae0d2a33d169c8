# Copyright (c) mmswav contributors. All rights reserved.
