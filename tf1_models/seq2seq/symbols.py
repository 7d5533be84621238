"""The tutorial's special symbols (shared by the TF1 graph, the Keras twin
and the data code; no TensorFlow here)."""

PAD_ID, GO_ID, EOS_ID, UNK_ID = 0, 1, 2, 3
SPECIAL_SYMBOLS = ("_PAD", "_GO", "_EOS", "_UNK")
# The dynamic decoder's attention mechanisms (``--attention``).
ATTENTIONS = ("luong", "scaled_luong", "bahdanau", "normed_bahdanau")
