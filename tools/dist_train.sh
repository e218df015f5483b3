#!/usr/bin/env bash
# Adapted from OpenMMLab MMDetection's tools/dist_train.sh (Copyright (c) OpenMMLab, Apache License 2.0); see NOTICE.
# Distributed training with torchrun, as mmdet's tools/dist_train.sh:
#   bash tools/dist_train.sh CONFIG GPUS [train.py options]
#   NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 PORT=29500 bash tools/dist_train.sh CONFIG 8   (then NODE_RANK=1 ...)
# Without CUDA the processes use gloo on CPU (GPUS = number of processes). SCRIPT (default train.py) is the tool
# each process runs; tools/dist_test.sh sets it to test.py.
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}
SCRIPT=${SCRIPT:-train.py}

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$(dirname "$0")/$SCRIPT" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
