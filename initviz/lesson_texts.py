"""The guided lessons: the four problems of weight initialization and their remedies, for students.

Each step loads a preset (:mod:`initviz.presets`) or changes one thing, and says in two or
three sentences what to look at in the panel it points at. Layers are numbered from 0, as the
app labels them. Every number quoted is what the app shows for that step (seed and batch as in
the preset); ``tests/test_lesson_claims.py`` recomputes them.
"""

from __future__ import annotations

from initviz.lessons import Lesson, LoadPreset, Run, SetAllLayers, SetDepth, SetParam, SetSetting, Step

VANISHING = Lesson(
    "vanishing", "1 · Vanishing: weights too small",
    "Weights drawn too small shrink the signal in every layer, until the deep layers see almost nothing "
    "and the first layers get almost no gradient. The remedy scales the weights to each layer's fan-in.",
    (
        Step("Weights too small",
             "Look at the activations column: each row is about 9× narrower than the one above, from std 0.093 "
             "in layer 0 to 3e-10 in layer 9. The weights are N(0, 0.01²) whatever the layer's size, and ReLU "
             "drops half of what is left.",
             LoadPreset("too_small"), "histograms"),
        Step("Not bad luck: the scale",
             "The depth profile plots each layer's std on a log scale: the activations fall in a straight line "
             "towards layer 9, the gradients ∂L/∂a towards layer 0 (1.5e-5 down to 4e-14). This step drew new "
             "weights with another seed, and the lines did not move: the cause is the scale, not bad luck.",
             SetSetting("seed", 1), "diagnose:Depth profile"),
        Step("Xavier: better, not enough for ReLU",
             "Xavier scales W to the fans (std 0.063 here), and the fall slows to about 1/√2 per layer: std 0.58 "
             "in layer 0, 0.027 in layer 9. The advisor says why: ReLU zeroes half of its input, so it needs "
             "twice Xavier's variance.",
             SetAllLayers("init", "xavier_normal"), "diagnose:Advisor"),
        Step("Remedy: He",
             "He draws W from N(0, 2/fan_in), std √(2/256) ≈ 0.088 here. Every row of the activations column "
             "now has about the same width (std 0.77 to 0.87), and ∂L/∂a changes less than 4× from layer 9 "
             "to layer 0.",
             SetAllLayers("init", "he_normal"), "histograms"),
    ))

EXPLODING = Lesson(
    "exploding", "2 · Exploding and saturation: weights too large",
    "Weights drawn too large grow the signal in every layer until float32 overflows. A bounded activation "
    "such as tanh cannot grow: it saturates at ±1 instead, where its slope is almost zero.",
    (
        Step("Weights too large",
             "Read the std in each activation cell: it grows about 11× per layer, from 9.3 in layer 0 to 3.3e10 "
             "in layer 9. N(0, 1) ignores the fan-in, so 256 inputs add up to a z of std 16 already in layer 0.",
             LoadPreset("too_large"), "histograms"),
        Step("Overflow: inf and NaN",
             "With 24 layers the gradients pass 3.4e38, the largest float32, and turn into inf and then NaN. "
             "The advisor counts over 900,000 of them in layers 0–7, and the loss is inf: no update can be computed.",
             SetDepth(24), "diagnose:Advisor"),
        Step("tanh saturates instead",
             "Same weights, tanh instead of ReLU: tanh cannot grow past ±1, so the values pile up there, about "
             "90% of them beyond ±0.97 in every layer. There its slope is almost zero, so these units hardly learn.",
             SetAllLayers("activation", "tanh"), "histograms"),
        Step("Remedy: Xavier for tanh",
             "Xavier draws W with variance 2/(fan_in + fan_out), std 0.063 here instead of 1. The values spread "
             "out again: 3.6% saturated in layer 0 and none from layer 3 on, and ∂L/∂a stays within a factor 4 "
             "over all 24 layers.",
             SetAllLayers("init", "xavier_normal"), "histograms"),
        Step("Between the two: the edge of chaos",
             "The phase diagram splits the (σ_w², σ_b²) plane into an ordered region, where gradients vanish "
             "with depth, and a chaotic one, where they explode. This 30-layer tanh net sits on the line between, "
             "χ₁ = 1, and ∂L/∂a stays between 2.9e-5 and 3.5e-5 in every layer.",
             LoadPreset("edge_of_chaos"), "diagnose:Phase diagram"),
        Step("Off the edge: chaos",
             "Four times the weights' variance moves the point into the chaotic region, χ₁ = 1.34. Now ∂L/∂a "
             "grows 65× on its way back from layer 29 to layer 0.",
             SetParam("init", "scale", 4.0), "diagnose:Phase diagram"),
    ))

SYMMETRY = Lesson(
    "symmetry", "3 · Symmetry: all weights equal",
    "If every weight starts equal, all units of a layer compute the same thing and receive the same "
    "gradient, so they stay copies forever. Random weights break the symmetry.",
    (
        Step("Zero init",
             "Every weight and bias is 0, so all 256 units of a layer output the same value, exactly 0. "
             "The Symmetry tab counts 1 distinct neuron in every layer.",
             LoadPreset("zero_init"), "diagnose:Symmetry"),
        Step("Train it",
             "Training on the 8×8 digits has started: the loss stays at ln 10 ≈ 2.30, what guessing gives for "
             "10 classes, and the test accuracy at 10%. Below the output layer every gradient is exactly 0, "
             "so nothing there ever changes.",
             Run("training"), "training"),
        Step("Equal, but not zero",
             "Now every weight is 0.004: the units compute something, but all the same thing. The Symmetry tab "
             "still counts 1 distinct neuron per hidden layer, so each layer acts like a single unit.",
             SetAllLayers("init", {"name": "constant", "value": 0.004}), "diagnose:Symmetry"),
        Step("Train the copies",
             "The copies get the same gradient and stay copies, so the net learns like one with a single unit "
             "per layer. The loss stops near 1.55 and the test accuracy near 36%.",
             Run("training"), "training"),
        Step("Remedy: random weights",
             "Random weights make every unit different from the start. Now all 256 units of every hidden layer "
             "are distinct neurons.",
             SetAllLayers("init", "xavier_uniform"), "diagnose:Symmetry"),
        Step("Train the broken symmetry",
             "The same net on the same data now learns: the training loss falls to about 0.02 and the test "
             "accuracy passes 97%. Only the starting weights changed.",
             Run("training"), "training"),
    ))

TRAINING = Lesson(
    "training", "4 · Training: a bad scale trains slowly or not at all",
    "How the weights start decides whether a deep net learns at all. He et al. (2015) trained 30 ReLU "
    "layers with their init and saw the same net stall with Xavier's.",
    (
        Step("30 ReLU layers with Xavier",
             "ReLU zeroes half of its input, so with Xavier's variance every layer halves the signal's power. "
             "The activation line falls straight on the log scale, from std 0.37 in layer 0 to 1.6e-5 in layer 29.",
             LoadPreset("he2015_xavier"), "diagnose:Depth profile"),
        Step("Train it",
             "Training for 300 steps of SGD on the digits has started: the loss stays at 2.30 = ln 10, chance "
             "for 10 classes, and the test accuracy at 10%. The gradients that reach the first layers, about "
             "1e-8, are too small to move them.",
             Run("training"), "training"),
        Step("Remedy: He",
             "He doubles the variance to 2/fan_in, which makes up for ReLU's lost half. The activation line is "
             "flat now, between 0.75 and 1.03 in all 30 ReLU layers, and so is the gradient line.",
             SetAllLayers("init", "he_normal"), "diagnose:Depth profile"),
        Step("Train it again",
             "Same net, same data, same 300 steps: the loss now falls from 2.9 to about 0.1 and the test "
             "accuracy reaches 90%. Only the scale of the starting weights changed.",
             Run("training"), "training"),
        Step("Race the schemes",
             "The race trains this net once per scheme, with the same data and seeds; it takes a few minutes. "
             "Only He reaches the target loss (after about 125 steps): zeros, N(0, 0.01²), Xavier, LeCun and "
             "orthogonal stall at chance, and N(0, 1) diverges at once.",
             Run("race"), "race"),
    ))

REMEDIES = Lesson(
    "remedies", "5 · The remedies and the rule of thumb",
    "Every good init picks Var(W) so that a layer keeps the size of the signal for its activation. Rule of "
    "thumb: He for ReLU, Xavier or LeCun for tanh, LeCun normal for SELU, orthogonal for deep linear nets.",
    (
        Step("Glorot 2010: “standard” init",
             "The “standard” init U(±1/√fan_in) has variance 1/(3·fan_in): each tanh layer shrinks the signal "
             "about 1.8×, from std 0.46 in layer 0 to 0.046 in layer 4. Read the gradient column bottom-up: "
             "∂L/∂a is 10× narrower at layer 0 than at layer 4.",
             LoadPreset("glorot2010_standard"), "histograms"),
        Step("Glorot 2010: “normalized” (Xavier)",
             "Xavier's variance 2/(fan_in + fan_out) is three times larger here. The activations now go from "
             "0.63 to 0.32, and ∂L/∂a changes less than 2× across the five layers.",
             SetAllLayers("init", "xavier_uniform"), "histograms"),
        Step("SELU with LeCun normal",
             "SELU is built so that, with LeCun normal weights N(0, 1/fan_in), every layer pulls the activations "
             "back to mean 0 and std 1. The activation line stays between 0.99 and 1.02 in all 20 layers.",
             LoadPreset("selu_lecun"), "diagnose:Depth profile"),
        Step("SELU with He: too much",
             "He's variance 2/fan_in is right for ReLU but twice what SELU wants. The std now grows with depth, "
             "from 1.3 in layer 0 to 6.9 in layer 19: keep LeCun normal for SELU.",
             SetAllLayers("init", "he_normal"), "diagnose:Depth profile"),
        Step("Orthogonal: a deep linear net",
             "With identity activations the net is a product of 30 matrices, and orthogonal weights make each "
             "one a rotation. The Jacobian tab shows it: every singular value of the input-output map is 1.",
             LoadPreset("orthogonal_linear"), "diagnose:Jacobian"),
        Step("Gaussian weights instead",
             "LeCun normal weights have the same variance, so the activations keep std 1 on average. But the "
             "singular values now spread from about 0 to 7, only 6% of them between 0.5 and 2: some directions "
             "of the input are lost, others amplified.",
             SetAllLayers("init", "lecun_normal"), "diagnose:Jacobian"),
        Step("The PyTorch default",
             "nn.Linear's default U(±1/√fan_in) is the “standard” init again, a sixth of He's variance. "
             "In these 10 ReLU layers ∂L/∂a is 3,600× smaller at layer 0 than at layer 9, and the advisor "
             "suggests He.",
             LoadPreset("torch_default"), "diagnose:Advisor"),
        Step("The rule of thumb",
             "With He for these ReLU layers every row of the activations column keeps its width again (std 0.83 "
             "to 1.0). The rule of thumb: He for ReLU, Xavier or LeCun for tanh, LeCun normal for SELU.",
             SetAllLayers("init", "he_normal"), "histograms"),
    ))

LESSONS: tuple[Lesson, ...] = (VANISHING, EXPLODING, SYMMETRY, TRAINING, REMEDIES)
