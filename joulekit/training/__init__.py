"""Measuring an MLPerf Training run node by node (``joulekit train-power``).

:func:`joulekit.training.measure.train_power` opens every node and switch source
(``ipmi://``, ``redfish://``, ``snmp://`` through :mod:`joulekit.analyzers`), samples them
on one timeline while the training command runs (:mod:`joulekit.training.collector`) and
writes the official result tree: ``result_<i>.txt`` and ``power/result_<i>/node_<j>.txt``,
``sw_<k>.txt`` in the MLLOG layout of :mod:`joulekit.formats.training_power`.
"""
