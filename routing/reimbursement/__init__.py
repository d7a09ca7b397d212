"""Reimbursement instead of the shared ride, on the centre's concrete assessment.

Modules by responsibility: :mod:`.marginal` (what the shared ride costs per rider), :mod:`.means`
(which means are reasonable, at what price), :mod:`.facts` (what a decision rests on),
:mod:`.decision` (the pure decision), :mod:`.letter` (the Danish letter), :mod:`.inputs`
(gathering inputs; the candidates list), :mod:`.rates` (yearly rates).
"""
