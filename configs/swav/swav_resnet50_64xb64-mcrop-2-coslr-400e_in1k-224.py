# SwAV without multi-crop (scripts/swav_400ep_2x224_pretrain.sh): 2 x 224 crops of scale
# 0.08-1, otherwise the large-batch 400-epoch recipe. Published linear top-1: 70.1.
_base_ = ['./swav_resnet50_64xb64-mcrop-2-6-coslr-400e_in1k-224-96.py']

model = dict(head=dict(loss=dict(num_crops=[2])))
train_pipeline = [
    dict(type='RobustLoadImageFromFile'),
    dict(type='MultiView', num_views=[2],
         transforms=[[dict(type='FastSwAVView', size=224, scale=(0.08, 1.))]]),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
