# Sourced by run-tests.sh: makes sure /usr/bin/python3 has PyTorch and torchvision (Debian's
# python3-torch, python3-torchvision), the oracle of the parity tests. Installs them with apt-get
# when missing and we may; otherwise says so, and the parity tests skip with the reason printed.
if /usr/bin/python3 -c "import torch, torchvision" >/dev/null 2>&1; then
    :
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing the PyTorch oracle (python3-torch, python3-torchvision) with apt-get ..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-torchvision >/dev/null
else
    echo "note: /usr/bin/python3 lacks torch/torchvision and apt-get is not usable here;"
    echo "      PyTorch parity tests will be skipped (apt-get install -y python3-torch python3-torchvision)."
fi
