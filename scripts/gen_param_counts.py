"""Trainable parameter counts of torchvision's ImageNet models, the reference
for the vanilla WaveCNet backbones (test/models/wavecnet-params.test.ts).

Run: /usr/bin/python3 scripts/gen_param_counts.py
(needs Debian's python3-torchvision; 0.14.1 was used for the committed file).
"""
import json
import pathlib

import torchvision
import torchvision.models as models

NAMES = {
    "vgg16bn": "vgg16_bn",
    "resnet18": "resnet18",
    "resnet34": "resnet34",
    "resnet50": "resnet50",
    "resnet101": "resnet101",
    "densenet121": "densenet121",
}

counts = {}
for ours, theirs in NAMES.items():
    net = getattr(models, theirs)(num_classes=1000)
    counts[ours] = sum(p.numel() for p in net.parameters() if p.requires_grad)

out = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "wavecnet-param-counts.json"
out.write_text(json.dumps({"torchvision": torchvision.__version__, "trainableParameters": counts}, indent=2) + "\n")
print(out, counts)
