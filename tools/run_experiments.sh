#!/usr/bin/env bash
# The multi-seed experiments behind docs/benchmarks.md, docs/picie.md and docs/results.md, one after another
# (one training at a time). Each is resumable: after an interruption run the same command again; a finished run
# is not repeated and an unfinished one continues from its last checkpoint.
#
#   bash tools/run_experiments.sh                      # all, in the order below
#   bash tools/run_experiments.sh picie ib_collapse    # some
#   DRY_RUN=1 bash tools/run_experiments.sh            # print the commands only
#
# DATA: the folder holding aquarium/, coco128/ and camvid/ (default ../shared/data); PY: the Python (.venv).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
DATA=${DATA:-../shared/data}
ALL=(ablation_val ablation_aquarium ablation_coco128 picie_dev picie ib_collapse ib_dev ib_val lovasz_car)

commands() {
  local ablation="$PY tools/coco_benchmark.py --groups ablation_faster_rcnn ablation_retinanet --seeds 0 1 2 3 4"
  local aquarium="--data-root $DATA/aquarium/ --train-ann annotations/train.json --train-img images/ --val-img images/"
  local picie=configs/picie/picie_mnv2-fpn_camvid
  local seg=configs/seg/fastscnn_camvid
  local picie_metrics="Acc mIoU Thing_Acc Thing_mIoU Stuff_Acc Stuff_mIoU"
  local ib_metrics="aAcc mIoU mAcc IoU.building IoU.tree IoU.pedestrian"
  case $1 in
    ablation_val) echo "$PY tools/coco_benchmark.py --configs configs/ablation/faster-rcnn_mnv2-fpn.py" \
      "configs/ablation/retinanet_mnv2-fpn.py --seeds 0 --val-interval 250 $aquarium --val-ann annotations/val.json" \
      "--work-dir work_dirs/ablation_val" ;;  # the learning curves that chose the schedule: aquarium val
    ablation_aquarium) echo "$ablation $aquarium --val-ann annotations/test.json" \
      "--work-dir work_dirs/ablation_aquarium_test" ;;  # the reported table: aquarium test, never used for a choice
    ablation_coco128) echo "$ablation --data-root $DATA/coco128/ --train-ann annotations/instances_train96.json" \
      "--train-img train2017/ --val-ann annotations/instances_val32.json --val-img train2017/" \
      "--work-dir work_dirs/ablation_coco128" ;;
    picie_dev) echo "$PY tools/seg_seeds.py ${picie}-dev_ce.py ${picie}-dev_floor.py ${picie}-dev_ce-lr1e-5.py" \
      "${picie}-dev_ce-bn.py --seeds 0 1 2 --metrics Acc mIoU Thing_mIoU Stuff_mIoU --work-dir work_dirs/picie_dev" ;;
    picie) echo "$PY tools/seg_seeds.py ${picie}_ce.py ${picie}_focal.py ${picie}_ibfocal.py ${picie}_floor.py" \
      "--seeds 0 1 2 3 4 --metrics $picie_metrics --work-dir work_dirs/picie_camvid_2ep" ;;
    ib_collapse) echo "$PY tools/seg_seeds.py ${seg}_ce.py ${seg}_ibfocal.py ${seg}_ibfocal-lr0.01.py" \
      "${seg}_ibfocal-w0.5.py ${seg}_ibfocal-w0.py ${seg}_ibfocal-alpha1000.py --seeds 0 1 2" \
      "--metrics $ib_metrics --work-dir work_dirs/ib_collapse" ;;
    ib_dev) echo "$PY tools/seg_seeds.py ${seg}_ce.py ${seg}_ibfocal.py ${seg}_ibfocal-w0.5.py ${seg}_ibfocal-w0.py" \
      "--seeds 0 1 2 --metrics aAcc mIoU mAcc --work-dir work_dirs/ib_dev --cfg-options" \
      "train_dataloader.dataset.dev_split=train val_dataloader.dataset.dev_split=dev" \
      "val_dataloader.dataset.data_prefix.img_path=train val_dataloader.dataset.data_prefix.seg_map_path=trainannot" ;;
    ib_val) echo "$PY tools/seg_seeds.py ${seg}_ce.py ${seg}_ibfocal.py ${seg}_ibfocal-w0.5.py --seeds 0 1 2 3 4" \
      "--metrics $ib_metrics --work-dir work_dirs/ib_collapse" ;;  # ib_dev's choice on val, reusing ib_collapse's seeds 0-2
    lovasz_car) echo "$PY tools/seg_seeds.py ${seg}-car_ce.py ${seg}-car_lovasz.py ${seg}-car_lovasz-ce.py" \
      "--seeds 0 1 2 3 4 --metrics aAcc mIoU mAcc IoU.car IoU.background --work-dir work_dirs/lovasz_car" ;;
    *) echo "run_experiments.sh: unknown experiment '$1'; choose from: ${ALL[*]}" >&2; return 2 ;;
  esac
}

names=("${@:-${ALL[@]}}")
for name in "${names[@]}"; do commands "$name" > /dev/null; done  # every name checked before anything runs
for name in "${names[@]}"; do
  cmd=$(commands "$name")
  echo "== $name: $cmd"
  if [ -z "${DRY_RUN:-}" ]; then CAMVID_ROOT=$DATA/camvid/ $cmd; fi
done
