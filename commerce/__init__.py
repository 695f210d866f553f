"""Commerce: cart, checkout, orders and returns of the shop (issue #4).

Domain logic only. Actions talk to :class:`commerce.service.CommerceService` (or a fake of
:class:`commerce.service.Commerce`); nothing here does work at import time.
"""
