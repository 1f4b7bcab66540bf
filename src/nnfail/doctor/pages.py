"""Which chapter page explains each doctor cause: {cause: (page stem, page title)}.

Written from the chapters' specs (their ``causes`` and ``pages``) by ``nnfail sync``; do not edit by hand.
"""
PAGES: dict[str, tuple[str, str]] = {
    'input_scale': ('03_unnormalized_sigmoid', '3. The unnormalized sigmoid network'),
    'target_scale': ('01_scaling_disaster', '1. The scaling disaster'),
    'output_bias': ('01_scaling_disaster', '1. The scaling disaster'),
    'target_shape': ('02_linear_stack', '2. The linear-only Keras stack'),
    'labels': ('00_checklist', 'Start here: a checklist, and a doctor for your own network'),
    'nonlinearity': ('02_linear_stack', '2. The linear-only Keras stack'),
    'output_loss': ('00_checklist', 'Start here: a checklist, and a doctor for your own network'),
    'init_scale': ('01_scaling_disaster', '1. The scaling disaster'),
    'initial_loss': ('01_scaling_disaster', '1. The scaling disaster'),
    'dead_units': ('04_two_relu_coverage', '4. Two-ReLU coverage'),
    'kink_coverage': ('04_two_relu_coverage', '4. Two-ReLU coverage'),
    'saturation': ('03_unnormalized_sigmoid', '3. The unnormalized sigmoid network'),
    'gradient_flow': ('00_checklist', 'Start here: a checklist, and a doctor for your own network'),
    'update_ratio': ('00_checklist', 'Start here: a checklist, and a doctor for your own network'),
    'loss_curve': ('00_checklist', 'Start here: a checklist, and a doctor for your own network'),
    'overfit_batch': ('00_checklist', 'Start here: a checklist, and a doctor for your own network'),
    'fit_error': ('00_checklist', 'Start here: a checklist, and a doctor for your own network'),
    'learning_rate': ('00_checklist', 'Start here: a checklist, and a doctor for your own network'),
    'training_length': ('00_checklist', 'Start here: a checklist, and a doctor for your own network'),
    'input_scale/ratio': ('00_checklist', 'Start here: a checklist, and a doctor for your own network'),
    'input_scale/saturating': ('03_unnormalized_sigmoid', '3. The unnormalized sigmoid network'),
    'input_scale/tiny': ('02_linear_stack', '2. The linear-only Keras stack'),
    'input_scale/unscaled': ('00_checklist', 'Start here: a checklist, and a doctor for your own network'),
    'kink_coverage/affine': ('02_linear_stack', '2. The linear-only Keras stack'),
    'output_loss/squared_error_on_labels': ('03_unnormalized_sigmoid', '3. The unnormalized sigmoid network'),
}
