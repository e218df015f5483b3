#!/usr/bin/env bash
# Adapted from OpenMMLab MMDetection's tools/dist_test.sh (Copyright (c) OpenMMLab, Apache License 2.0); see NOTICE.
# Distributed testing with torchrun, as mmdet's tools/dist_test.sh (same variables as tools/dist_train.sh):
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py options]
SCRIPT=test.py exec bash "$(dirname "$0")/dist_train.sh" "$1" "$3" "$2" "${@:4}"
