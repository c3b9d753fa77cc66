"""Built-in filters of a recipe's ``pipe``: each takes a :class:`~fc_datasets.fields.FieldBlock`
and returns a new one.

========================  ==================================================  ================
name                      what it does                                        module
========================  ==================================================  ================
``rename``                rename variables (mapping, level labels, pattern)   :mod:`.rename`
``convert_units``         K ↔ °C, Pa ↔ hPa, geopotential ↔ height, ...        :mod:`.units`
``rescale``               ``x * scale + offset`` or ``unit_in → unit_out``    :mod:`.units`
``orog_to_z``             orography (m) → surface geopotential (m² s⁻²)       :mod:`.units`
``z_to_orog``             surface geopotential → orography                    :mod:`.units`
``uv_to_ddff``            u, v → wind speed and direction                     :mod:`.wind`
``ddff_to_uv``            wind speed and direction → u, v                     :mod:`.wind`
``regrid``                onto another grid, nearest or linear                :mod:`.regrid`
``apply_mask``            NaN where a mask matches                            :mod:`.masks`
``remove_nans``           drop NaN points, or fill NaNs                       :mod:`.masks`
========================  ==================================================  ================

They are registered as entry points (group ``fc.datasets.filters``) and looked up through
:data:`fc_datasets.sources.base.FILTERS`, like third-party filters; importing this package
imports none of them.
"""

__all__: list[str] = []
