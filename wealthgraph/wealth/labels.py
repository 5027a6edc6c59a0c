"""What the customer reads instead of our ids: one Chinese and one English label for every advice
rule, transaction category, product class, risk level and risk profile the wealth page shows.

The one place for them: ``tests/wealth/test_labels.py`` fails when a rule in
``wealthgraph.wealth.advice.RULES`` or a value in the landing contract (``wealthgraph.landing``)
has no label here, or when a label names something that no longer exists.
"""

from __future__ import annotations

from typing import NamedTuple


class Label(NamedTuple):
    zh: str
    en: str


# wealthgraph.wealth.advice.RULES, by rule_id
RULES: dict[str, Label] = {
    "emergency_fund": Label("应急资金", "Emergency fund"),
    "idle_cash": Label("闲置资金", "Idle cash"),
    "risk_match": Label("风险匹配", "Risk match"),
    "concentration": Label("持仓集中", "Concentration"),
    "maturing_soon": Label("产品即将到期", "Maturing soon"),
    "debt_to_asset": Label("负债率", "Debt to assets"),
    "overdue_loan": Label("贷款逾期", "Overdue loan"),
}

# landing.TRANSACTION_CATEGORIES: income and spending by category
TRANSACTION_CATEGORIES: dict[str, Label] = {
    "salary": Label("工资", "Salary"),
    "pension": Label("养老金", "Pension"),
    "interest": Label("利息", "Interest"),
    "household": Label("生活缴费", "Household bills"),
    "insurance": Label("保险", "Insurance"),
    "loan_payment": Label("还贷", "Loan repayments"),
    "card_spend": Label("刷卡消费", "Card spending"),
    "cash": Label("现金", "Cash"),
    "transfer": Label("转账", "Transfers"),
    "other": Label("其他", "Other"),
}

# landing.PRODUCT_CLASSES: allocation by class (assets) and the liabilities
PRODUCT_CLASSES: dict[str, Label] = {
    "current": Label("活期存款", "Current account"),
    "time_deposit": Label("定期存款", "Time deposits"),
    "wealth": Label("理财产品", "Wealth products"),
    "fund": Label("基金", "Funds"),
    "insurance": Label("保险", "Insurance"),
    "precious_metal": Label("贵金属", "Precious metals"),
    "loan": Label("贷款", "Loans"),
    "credit_card": Label("信用卡", "Credit cards"),
}

# landing.RISK_LEVELS: a product's risk rating
RISK_LEVELS: dict[str, Label] = {
    "R1": Label("低风险", "Low risk"),
    "R2": Label("中低风险", "Medium-low risk"),
    "R3": Label("中风险", "Medium risk"),
    "R4": Label("中高风险", "Medium-high risk"),
    "R5": Label("高风险", "High risk"),
}

# landing.RISK_TOLERANCES: the customer's assessed risk profile
RISK_TOLERANCES: dict[str, Label] = {
    "C1": Label("保守型", "Conservative"),
    "C2": Label("稳健型", "Cautious"),
    "C3": Label("平衡型", "Balanced"),
    "C4": Label("成长型", "Growth"),
    "C5": Label("进取型", "Aggressive"),
}


def label(labels: dict[str, Label], key: str | None) -> Label:
    """The label of ``key``; a key without one (a value the contract gained before this module)
    shows as itself rather than breaking the page.

    >>> label(TRANSACTION_CATEGORIES, "loan_payment")
    Label(zh='还贷', en='Loan repayments')
    >>> label(TRANSACTION_CATEGORIES, "red_packet")
    Label(zh='red_packet', en='Red packet')
    """
    if key is None:
        return Label("未知", "Unknown")
    return labels.get(key) or Label(key, key.replace("_", " ").capitalize())
