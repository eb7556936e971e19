"""Слова кампании по-русски: the campaign's words in Russian (what the last campaign achieved, the review's
and uplift's consoles, the model's verdict, adopt-effects). Part of ru.py's table (`stages.lib.words.TABLES`
joins them), the same keys as en_campaign.py (tests/lib/test_words.py); kept apart so that neither file
outgrows the 350 lines of a module.
"""

WORDS = {
    # what the last campaign achieved
    "achieved.title": "Чего добилась прошлая кампания («{label}»)",
    "achieved.intro": "Измерено через три месяца по контрольным группам. Деньги в {unit} в месяц: прибыль, "
    "сохранённая у клиентов, чья активность иначе снизилась бы; стоимость указана рядом. Все предложения вместе: "
    "сохранено <b>{saved}</b> в месяц при разовой стоимости {cost}; выпали из наблюдения: {lost}.",
    "achieved.quality": "Модель ранжировала клиентов с ROC-AUC {auc} (95 % интервал {low}–{high}; клиентов без "
    "предложения: {customers}); вывод: <b>{verdict}</b>: {why}",
    "achieved.not_measurable": "не измеримо",
    "achieved.no_control": "нет контрольной группы: не измеримо",
    "achieved.too_few": "мало данных (меньше {least} ушедших или оставшихся в группе): интервал не надёжен, "
    "остаётся принятый эффект",
    "achieved.interval": "{value} (от {low} до {high})",
    "achieved.offer": "предложение",
    "achieved.groups": "получили / контроль",
    "achieved.assumed": "принятый эффект",
    "achieved.measured": "измеренный эффект (95 %)",
    "achieved.saved": "сохранённая прибыль в месяц, {unit} (95 %)",
    # the review's console
    "review.model": "review: «{label}»: модель {verdict}: {why}",
    "review.offer": "review: {offer}: получили {treated}, в контроле {control}; эффект {effect}, принятый {assumed}; "
    "сохранено {saved} {unit} в месяц",
    "review.not_measurable": "review: {offer}: получили {treated}, в контроле {control}: не измеримо",
    "review.too_few": "review: {offer}: получили {treated}, в контроле {control}: меньше {least} ушедших или "
    "оставшихся в группе, интервал не надёжен; остаётся принятый эффект {assumed}",
    "review.all": "review: все предложения: сохранено {saved} {unit} в месяц при разовой стоимости {cost} {unit}",
    "review.all_too_few": "review: все предложения: меньше {least} ушедших или оставшихся в группе, сохранённая "
    "прибыль не измерена; разовая стоимость {cost} {unit}",
    "review.lost": "review: клиентов записи, выпавших из наблюдения: {count}",
    # the model's verdict in a campaign review
    "model.as_expected": "как ожидалось",
    "model.degraded": "хуже, чем на тесте",
    "model.why.ranking": "её ROC-AUC не выше {high} (95 %), ниже нижней границы тестовой полосы {floor}: модель "
    "ранжирует хуже, чем на тесте; переобучите её.",
    "model.why.calibration": "её ошибка калибровки {error} больше предела {limit} (столько даёт случай "
    "откалиброванной модели на этих клиентах, плюс запас): вероятности сбиты; откалибруйте или переобучите модель, "
    "прежде чем доверять денежным оценкам.",
    "model.why.within": "её ROC-AUC (95 %: до {high}) не ниже нижней границы тестовой полосы {floor}, а ошибка "
    "калибровки {error} не больше предела {limit} (столько даёт случай откалиброванной модели, плюс запас).",
    # the uplift command's console
    "uplift.fitted_on": "uplift: обучено на кампаниях {campaigns} (последняя отложена для выбора)",
    "uplift.offer": "uplift: {offer}: {chosen}: {why}",
    "uplift.uplift": "свой эффект для каждого клиента (модель аплифта)",
    "uplift.constant": "постоянный эффект",
    "uplift.why.too_few": "в каком-то месяце меньше {least} клиентов с исходом среди получивших или в контроле "
    "(campaign.uplift_min_group)",
    "uplift.why.one_month": "разобран один месяц: модели нужен один, чтобы обучиться, и следующий, чтобы проверить",
    "uplift.why.qini": "на последнем, отложенном месяце площадь Qini модели (удержанные клиенты сверх случайного "
    "выбора, в среднем по доле охвата) — {uplift} против {constant} у постоянного эффекта {effect}: выигрыш {gain}, "
    "односторонняя 95 % нижняя граница {low}: {verdict}",
    "uplift.better": "модель ранжирует лучше, чем позволяет шум",
    "uplift.not_better": "не лучше, чем позволяет шум месяца",
    "uplift.wrote": "uplift: записан {out}; `make adopt-effects UPLIFT={out}` переносит выбранные модели в params.yaml",
    "review.wrote": "review: записаны {out}, кривая Qini {qini} и клиенты с исходами {customers}; "
    "`make adopt-effects REVIEW={out}` переносит измеренные эффекты в params.yaml",
    # adopt-effects
    "adopt.effect": "adopt-effects: {offer}: эффект {effect} (в params.yaml: {value})",
    "adopt.uplift_adopted": "adopt-effects: {offer}: принята модель эффекта для каждого клиента",
    "adopt.uplift_removed": "adopt-effects: {offer}: модель эффекта для каждого клиента снята, действует общий эффект",
    "adopt.wrote": "adopt-effects: записан {params}; изменения показывает `git diff {params}`",
    "adopt.nothing_review": "adopt-effects: переносить нечего: ни одно предложение не измерено с достаточным числом "
    "клиентов в обеих группах; {params} не изменён, остаются принятые эффекты",
    "adopt.nothing_uplift": "adopt-effects: переносить нечего: для каждого предложения общий эффект ранжировал лучше, "
    "и снимать нечего; {params} не изменён",
}
