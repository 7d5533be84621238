"""tf1-rnn: TF1 graph-mode RNN text models on TensorFlow 2.x, with Keras 3
rewrites and a parity suite."""

from setuptools import find_packages, setup

setup(
    name="tf1-rnn",
    version="0.1.0",
    description=("TF1 RNN text models (char-rnn, Udacity LSTM/word2vec, "
                 "translate seq2seq) on TensorFlow 2.x, with Keras 3 "
                 "rewrites and TF1<->Keras weight converters"),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["compat", "compat.*", "tf1_models",
                                    "tf1_models.*"]),
    package_data={"tf1_models": ["data/*.txt", "data/*.md"]},
    python_requires=">=3.9",
    install_requires=["tensorflow>=2.16", "numpy", "absl-py"],
    extras_require={
        "test": ["pytest"],
        # Keras 3 on JAX (the parity suite runs it by default).
        "jax": ["jax"],
        # --mode=export --export_format=onnx, and its test
        "onnx": ["onnx", "onnxruntime", "tf2onnx"],
    },
    license="Apache-2.0",
)
