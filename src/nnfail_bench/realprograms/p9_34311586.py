"""DeepFD row 9, Stack Overflow question 34311586 (retold in our own code).

XOR again, from six rows (two of the pairs repeated), through a 2-2-3-1 sigmoid network whose single output
unit is a softmax, trained on squared error with SGD at learning rate 0.001 for 20 epochs. The softmax of
one unit is constant, so the net answers 1 for every input. The repair uses a sigmoid output, SGD at 0.1 and
10,000 epochs in batches of 4.
Source: https://stackoverflow.com/questions/34311586 (CC BY-SA); the program as kept in the DeepLocalize and
DeepFD benchmark repositories (github.com/Wardat-ISU/DeepLocalize, github.com/ArabelaTso/DeepFD).
"""
from __future__ import annotations

import numpy as np

from nnfail.models import Case, seed_keras

NO = 9
SUBJECT = "34311586"
URL = "https://stackoverflow.com/questions/34311586"
TITLE = "[title not recovered] Keras XOR network with a softmax output always predicts 1"
GROUND_TRUTH = ("lr", "act", "init", "epoch", "batch_size")

FAULT = ("A one-unit softmax output (identically 1) on an XOR net, trained with SGD at learning rate 0.001 for "
         "only 20 epochs of one default-size batch.")
REPAIR = ("Sigmoid output and SGD learning rate 0.1 in build(); 10,000 epochs with batch_size 4 (FIT_FIXED). "
          "Layer initialisation stays 'uniform' as in the recovered repair.")
RECOVERED = ("X = [1,1],[0,0],[1,0],[0,1],[1,1],[0,0] (float), y = [0],[0],[1],[1],[0],[0]; Dense(2, "
             "init='uniform') + sigmoid -> Dense(3, init='uniform') + sigmoid -> Dense(1, init='uniform') + "
             "softmax; SGD(lr=0.001, decay=1e-6, momentum=0.9, nesterov=True); mean_squared_error; 20 epochs, "
             "default batch size (32). Repair from the DeepLocalize 'Correct Code': sigmoid output, lr 0.1, "
             "10,000 epochs, batch_size 4.")
ASSUMED = ("The ground truth also lists init, but the recovered repair keeps init='uniform' (Keras 1: "
           "RandomUniform(-0.05, 0.05)), so the repaired twin keeps it too; DeepFD's own patch table instead "
           "swaps SGD for Adam(lr=0.001), which we do not apply. 'decay=1e-6' becomes an InverseTimeDecay "
           "schedule. The longer training and smaller batches are FIT_FIXED (an extra module attribute: "
           "build() cannot change epochs or batch size).")
# Faults the repair leaves in place (facts about the repaired code), with the check that names each:
# a high finding of one of these checks on the repaired twin is reported apart, not as a false alarm.
LEFT_IN_PLACE = {
    'init_scale': "every layer still starts from Keras-1 'uniform' (U[-0.05, 0.05])",
}
TASK = "binary"
FIT = dict(epochs=20, batch_size=32)
FIT_FIXED = dict(epochs=10000, batch_size=4)


def build(fixed: bool, rng: np.random.Generator) -> Case:
    import keras

    seed_keras(rng)
    X = np.array([[1., 1.], [0., 0.], [1., 0.], [0., 1.], [1., 1.], [0., 0.]])
    y = np.array([[0.], [0.], [1.], [1.], [0.], [0.]])
    uniform = keras.initializers.RandomUniform(-0.05, 0.05)
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(2, kernel_initializer=uniform),
        keras.layers.Activation("sigmoid"),
        keras.layers.Dense(3, kernel_initializer=uniform),
        keras.layers.Activation("sigmoid"),
        keras.layers.Dense(1, kernel_initializer=uniform),
        keras.layers.Activation("sigmoid" if fixed else "softmax"),
    ])
    lr = keras.optimizers.schedules.InverseTimeDecay(0.1 if fixed else 0.001, decay_steps=1, decay_rate=1e-6)
    model.compile(loss="mean_squared_error",
                  optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=0.9, nesterov=True))
    return Case(model, X, y)
