"""The concept behind every control, in one or two sentences for students: the tooltip texts.

One table, read by every panel, so the same idea is explained the same way everywhere. No Qt
here: :func:`tip` and :func:`param_tip` return plain strings. Formulas follow
/work/shared/REFERENCE.md (Glorot & Bengio 2010, He et al. 2015, LeCun 1998, Klambauer 2017).
"""

from __future__ import annotations

CONCEPTS: dict[str, str] = {
    # --- a layer -------------------------------------------------------------------------
    "units": "Width of the layer: its fan_out, and the fan_in of the next layer. Scaled inits (Xavier, He, "
             "LeCun) adapt to it; a fixed std does not, so a wider layer drawn from N(0, σ²) gives a larger signal.",
    "activation": "The nonlinearity φ after the layer, a = φ(z); it decides which init fits. ReLU-like ones drop "
                  "half the signal and want He (gain √2); tanh and sigmoid saturate and want Xavier or LeCun; SELU "
                  "wants LeCun normal.",
    "init": "How the weights W are drawn; their variance sets how the signal's size changes from layer to layer. "
            "Too small: activations and gradients vanish; too large: they explode or saturate; all equal: the "
            "units never become different. Rule of thumb: He for ReLU, Xavier or LeCun for tanh, LeCun for SELU.",
    "bias": "How the biases b start. Zeros is the usual choice: the random weights already make the units "
            "differ, and a bias of spread σ_b adds σ_b² to every layer's variance.",
    "all_activation": "Set the activation φ of every layer at once (one undo step). The init that suits the "
                      "stack changes with it: He for ReLU, Xavier or LeCun for tanh.",
    "all_init": "Set the weight init of every layer at once (one undo step): the quickest way to compare "
                "schemes on the same net, e.g. Xavier against He on a deep ReLU stack.",
    "add_layer": "Append a copy of the last layer. Each layer multiplies the signal's size by about the same "
                 "factor, so more depth makes vanishing or exploding plainer.",
    "insert_layer": "Insert a copy of the selected layer above it: one more factor in the product of layer gains.",
    "duplicate": "Duplicate the selected layers right after them: a deeper net with the same scheme.",
    "delete": "Delete the selected layers: a shallower net hides a bad scale for longer.",
    "move_up": "Move the selected layers up the stack; the fan_in of a moved layer may change.",
    "move_down": "Move the selected layers down the stack; the fan_in of a moved layer may change.",
    # --- parameters of a scheme ------------------------------------------------------------
    "gain": "Gain multiplies the weights' standard deviation. Choose it for the nonlinearity: ReLU drops half "
            "the signal so it needs √2, tanh squashes so 5/3, linear and sigmoid 1; too small vanishes, too "
            "large explodes or saturates.",
    "gain_auto": "Use the gain of the layer's own activation (torch calculate_gain): √2 for ReLU, 5/3 for tanh, "
                 "1 for linear and sigmoid.",
    "mode": "Which fan divides the variance. fan_in = the inputs of each unit: Var(W) = gain²/fan_in keeps the "
            "forward signal (activations) steady; fan_out = the units fed: keeps the backward signal (gradients) "
            "steady. They differ only where the width changes.",
    "mode_keras": "Which fan divides the variance: fan_in keeps the forward signal, fan_out the backward one, "
                  "and fan_avg = (fan_in + fan_out)/2 is Glorot's compromise between them.",
    "nonlinearity": "The activation whose gain sets the scale: relu → √2 (He), leaky_relu → √(2/(1+a²)), "
                    "tanh → 5/3, linear and sigmoid → 1. 'auto' takes the layer's own activation, the usual rule.",
    "kaiming_a": "Negative slope of the leaky ReLU that follows, read only when nonlinearity is leaky_relu: "
                 "the gain is √(2/(1+a²)), so a = 0 is plain ReLU (√2) and a = 1 a linear unit (1).",
    "std": "Standard deviation of every weight, the same whatever the layer's size. Too small and each layer "
           "shrinks the signal (vanishing); too large and it grows (exploding) or saturates tanh; the scaled "
           "schemes pick std ≈ gain/√fan_in for you.",
    "mean": "Mean of the values. Anything but 0 gives every unit the same push, which makes units alike and "
            "shifts z off the centre of the activation.",
    "uniform_a": "Lower bound of U(a, b). The variance is (b − a)²/12 whatever the layer's size; bounds "
                 "±√(3/fan_in) would give LeCun's variance 1/fan_in.",
    "uniform_b": "Upper bound of U(a, b). A wider interval means larger weights: each layer multiplies the "
                 "signal's size by about √(fan_in·Var(W)).",
    "trunc_a": "Absolute lower cut of the truncated normal (a value, not a multiple of std): draws below it are "
               "redrawn, which lowers the spread below std.",
    "trunc_b": "Absolute upper cut of the truncated normal (a value, not a multiple of std): no weight is "
               "larger, so there are no outliers.",
    "value": "Every value gets this constant. For weights that means every unit of the layer computes the same "
             "thing and gets the same gradient: they stay identical forever (no symmetry breaking).",
    "bias_spread": "Spread of the biases. Each layer adds Var(b) = σ_b² to the variance of its z whatever the "
                   "weights do, so large random biases drown the signal; σ_b² is the phase diagram's vertical axis.",
    "bias_value": "Every bias gets this constant: the same shift of every unit's z. Equal biases are harmless "
                  "because random weights already break the symmetry.",
    "scale": "Variance multiplier: Var(W) = scale / fan. scale 1 with fan_in is LeCun, with fan_avg Glorot; "
             "scale 2 with fan_in is He for ReLU.",
    "distribution": "The shape of the draw with that variance: truncated normal (Keras' default, cut at ±2σ and "
                    "rescaled), untruncated normal, or uniform U(±√(3·var)).",
    "sparsity": "Fraction of each unit's incoming weights set to zero; the rest are N(0, std²). Fewer non-zero "
                "inputs means a smaller z, so sparse nets need a larger std.",
    "sparse_std": "Std of the weights that are not zeroed. Only (1 − sparsity)·fan_in inputs count, so the "
                  "signal's size per layer is about std·√((1 − sparsity)·fan_in).",
    # --- parameters of an activation ----------------------------------------------------
    "negative_slope": "Slope for z < 0. ReLU (slope 0) passes no gradient there and units can die; a small "
                      "slope keeps a gradient flowing, and changes the right gain to √(2/(1+slope²)).",
    "alpha": "ELU tends to −alpha for very negative z: it saturates on one side only, so its mean stays near 0 "
             "without ReLU's dead units.",
    "approximate": "GELU computed exactly (with erf) or with the tanh approximation; the two curves differ by "
                   "less than 0.0005.",
    # --- the experiment ---------------------------------------------------------------------
    "name": "A label for the experiment, shown in the title bar and saved in the file. It changes no number.",
    "seed": "Every random draw (input batch, targets, each layer's weights) derives from this seed, so the same "
            "seed gives the same numbers. Another seed shows what is luck and what is the scheme's doing.",
    "reseed": "Draw a new random seed: new weights from the same schemes. What survives a reseed comes from the "
              "scheme, not from chance.",
    "features": "Input width: the fan_in of layer 0. With a fixed-std init a wider input makes layer 0's z "
                "larger; scaled inits divide the width away.",
    "batch": "Rows of the random input batch the histograms are measured on; each statistic pools batch × units "
             "values, so a larger batch gives smoother histograms. Training uses its own batch size.",
    "input_distribution": "The random input: normal N(0, 1) or uniform U(±√3). Both have mean 0 and variance 1, "
                          "the input the init formulas assume.",
    "dtype": "Floating-point precision of every tensor. float32 overflows to ±Inf above about 3.4·10³⁸, which an "
             "exploding net reaches; float64 only above 1.8·10³⁰⁸.",
    # --- data and training ------------------------------------------------------------------
    "data": "The problem the net is trained on; the input width, the output units and the loss follow it. "
            "A good init shows in training: it learns sooner.",
    "examples": "Examples drawn (train + held out); 'default' uses the data set's own size. More examples "
                "make each measured curve less noisy.",
    "test_fraction": "Share of the examples held out from training to measure generalisation: a gap between "
                     "training and held-out loss means the net memorises.",
    "optimizer": "How gradients become weight updates: SGD steps along −η·∇L, momentum also follows the recent "
                 "steps, Adam divides each update by the gradient's running size, so a bad scale hurts it less.",
    "learning_rate": "Step size η: SGD moves each weight by −η·∂L/∂W. Vanishing gradients barely move the early "
                     "layers whatever η; exploding ones make training diverge.",
    "batch_size": "Examples averaged into each gradient step. A small batch gives noisy steps, a large one "
                  "smoother but fewer steps per pass over the data.",
    "steps": "Number of training steps (weight updates) in a run. A badly initialised net may need many more "
             "steps, or never get going (a stalled run).",
    "snapshot_every": "Steps between histogram snapshots you can scrub through: watch the weights, activations "
                      "and gradients change while the net learns.",
    "snapshot_play": "Play the training snapshots as an animation: the histograms show how the weights, "
                     "activations and gradients change while the net learns.",
    "snapshot_slider": "Move through the training run: the plots' cursor and the histograms show the net as it "
                       "was at that step.",
    "training_layer": "The layer whose update:data ratio (std of the update ÷ std of W) and percentile bands are "
                      "drawn; near 1e-3 per step is a healthy rate of learning.",
    "training_kind": "Which tensor's percentile bands are drawn over training: see the weights, activations or "
                     "gradients of one layer spread or shrink as it learns.",
    # --- race -------------------------------------------------------------------------------
    "race_run": "Train the same net once per ticked scheme, with the same data, seeds and settings. A well-scaled "
                "init reaches the target loss in fewer steps; a badly scaled one stalls or diverges.",
    "race_cancel": "Stop the race now; the curves of the finished runs stay.",
    "race_add": "Add the schemes typed in the field to the race, e.g. normal(std=0.1) for a too-small scale.",
    "symmetry_layer": "The layer whose neuron-by-neuron similarity is drawn: a constant init gives one block of "
                      "identical neurons (similarity 1), a random init a bright diagonal only.",
    # --- view -------------------------------------------------------------------------------
    "kind_weights": "The weights W as drawn by the init; the dashed curve is the density the scheme promises. "
                    "Their width is the std the scheme chose for that layer's fan_in.",
    "kind_preactivations": "z = a_prev·W + b, the input of the nonlinearity. For tanh, |z| above 2 is saturated: "
                           "the slope there is under 0.071, so little gradient gets through.",
    "kind_activations": "a = φ(z), what the next layer receives. Rows narrowing downwards: vanishing; widening: "
                        "exploding; piled up at ±1: saturated.",
    "kind_activation_grads": "∂L/∂a, the error signal flowing backwards from the loss. Read it from the bottom up: "
                             "rows shrinking towards layer 0 are vanishing gradients.",
    "kind_weight_grads": "∂L/∂W, what the optimizer uses to change W. Compared with W's own width it tells how "
                         "fast each layer learns.",
    "shared_range": "Same value axis down each column, so shrinking and growing with depth is visible at a glance.",
    "log_counts": "Vertical axis log10(1 + count): thin tails and the few saturated or huge values become visible.",
    "ghost": "Keep the histograms from before the last init-scheme change, faintly, behind the new ones: the "
             "before and after of a remedy in one picture.",
    # --- lessons ----------------------------------------------------------------------------
    "lesson_choice": "Choose a lesson: each walks through one problem of weight initialization (vanishing, "
                     "exploding, symmetry, slow training) and its remedy, one step at a time.",
    "lesson_next": "Next step: it loads a preset or changes one thing, says what to look at and points at the "
                   "panel that shows it (PageDown, Alt+Right).",
    "lesson_back": "Previous step: brings back exactly what that step showed (PageUp, Alt+Left). Every step is "
                   "an ordinary undo step too.",
}

_PARAM_KEYS = {  # (owner name, param) -> concept key, where a name means something else in that owner
    ("kaiming_uniform", "a"): "kaiming_a", ("kaiming_normal", "a"): "kaiming_a",
    ("he_uniform", "a"): "kaiming_a", ("he_normal", "a"): "kaiming_a",
    ("uniform", "a"): "uniform_a", ("uniform", "b"): "uniform_b",
    ("trunc_normal", "a"): "trunc_a", ("trunc_normal", "b"): "trunc_b",
    ("variance_scaling", "mode"): "mode_keras", ("sparse", "std"): "sparse_std",
}


def tip(key: str) -> str:
    """The concept text for ``key``; a missing key is a programming error (KeyError)."""
    return CONCEPTS[key]


def param_tip(field: str, owner: str, param: str) -> str:
    """The concept behind parameter ``param`` of scheme or activation ``owner`` in ``field``
    (activation, init or bias); "" when the table has none."""
    key = _PARAM_KEYS.get((owner, param), param)
    if (owner.startswith("keras_") or owner in ("variance_scaling",)) and param == "mode":
        key = "mode_keras"
    if field == "bias" and param == "value":
        key = "bias_value"
    elif field == "bias" and param in ("std", "a", "b"):
        key = "bias_spread"
    return CONCEPTS.get(key, "")
