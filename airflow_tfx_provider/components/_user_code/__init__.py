"""User code: loading TFX module files and dotted functions (``module_file``), the TFX
user-code contract (``tfx_api``: FnArgs, DataAccessor, TunerFnResult) and building FnArgs for
Trainer and Tuner (``fn_args``). Never imports a component; importing it loads nothing heavy.
"""
