"""The generated markdown reports (reports/segments.md, reports/eda.md), in Russian: part of ru.py's table
(`stages.lib.words.TABLES` joins them), the same keys as en_reports.py (tests/lib/test_words.py).

Kept apart from ru.py so that neither file outgrows the 350 lines of a module. A count's noun holds its three
grammatical forms, «1 клиент|2 клиента|5 клиентов» (`stages.report.prose.counted`).
"""

WORDS = {
    # small words both reports share
    "reports.regular_customers": "постоянный клиент|постоянных клиента|постоянных клиентов",
    "reports.customers": "клиент|клиента|клиентов",
    "reports.higher": "выше",
    "reports.lower": "ниже",
    "reports.figures_in_english": "Подписи на рисунках — на английском, как в остальных материалах для аналитиков.",
}
WORDS |= {
    # reports/segments.md
    "segments.title": "Кого из постоянных клиентов удерживать и что им предложить",
    "segments.generated": "_Отчёт создан командой `python -m stages.segment`; все числа посчитаны по данным и модели. "
    "Пороги и выбранный сегмент заданы в `params.yaml` (раздел `segment`)._",
    "segments.scored.heading": "Как оценены клиенты",
    "segments.scored.text": "Всего **{customers}**. Для каждого известна вероятность того, что его покупательская "
    "активность снизится в ближайшие три месяца, и её дала модель, не видевшая исхода этого клиента: вне фолда "
    "(out-of-fold) при обучении оценено {oof}, сохранённой моделью (отложенная выборка) — {saved}. Прибыль — "
    "средняя месячная прибыль магазина от клиента за последние три месяца; единица — {unit}, это допущение: {assumed}.",
    "segments.matrix.heading": "Матрица «риск × прибыль» (высокий риск: вероятность ≥ {risk}; высокая прибыль: "
    "≥ {profit} {unit})",
    "segments.matrix.note": "Вероятности откалиброваны на оценках вне фолда, поэтому средняя вероятность снижения в "
    "клетке должна быть близка к доле её клиентов, чья активность действительно снизилась (столбец «{observed}»); "
    "большой разрыв означал бы, что вероятностям в этой клетке нельзя верить буквально.",
    "segments.column.segment": "сегмент",
    "segments.column.customers": "клиентов",
    "segments.column.share_of_customers": "доля клиентов",
    "segments.column.profit_at_stake": "прибыль под риском, {unit} в месяц",
    "segments.column.share_of_profit": "доля прибыли",
    "segments.column.mean_probability": "средняя вероятность снижения",
    "segments.column.observed_decline_rate": "наблюдаемая доля снижения",
    "segments.chosen.heading": "Выбранный сегмент: {segment}",
    "segments.chosen.empty": "При текущих порогах в выбранный сегмент не попал ни один клиент.",
    "segments.chosen.text": "В сегменте **{customers}** ({share} постоянных клиентов); они приносят **{profit} "
    "прибыли в месяц** ({profit_share} всей прибыли), средняя вероятность снижения — {probability}. Согласие "
    "получать предложения дали {allows} из них; чаще всего их популярная категория — «{category}» ({category_share}).",
    "segments.differences.heading": "Чем сегмент отличается от остальных постоянных клиентов",
    "segments.difference.numeric": "{phrase}: {direction}, медиана {median_segment} против {median_others} (среднее "
    "{mean_segment} против {mean_others}; рангово-бисериальная корреляция {effect}).",
    "segments.difference.categorical": "{phrase}: распределение другое (V Крамера {effect}): в сегменте "
    "{shares_segment}; у остальных {shares_others}.",
    "segments.full_table": "Полная таблица: {link}.",
    "segments.drivers.intro": "Что, по модели, определяет их риск (средний SHAP в сегменте и вне его, {amount}):",
    "segments.driver": "{phrase}: {segment} в сегменте против {others} у остальных",
    "segments.amount.probability": "в пунктах вероятности",
    "segments.amount.log_odds": "в логарифмах шансов (log-odds)",
    "segments.offers.heading": "Предложения",
    "segments.offers.item": "{number}. {offer}.  \n   _Почему: {evidence}._",
    "segments.offers.evidence": "{phrase}: медиана {median_segment} в сегменте против {median_others} у остальных "
    "(рангово-бисериальная корреляция {effect}, p с поправкой Холма = {p}); место среди факторов риска сегмента по "
    "SHAP: {rank}",
    "segments.offers.none": "При этих порогах ни одно различие не настолько велико, чтобы оправдать адресное "
    "предложение.",
    "segments.list.heading": "Список клиентов",
    "segments.list.text": "{link}: каждый постоянный клиент с вероятностью снижения, прибылью, клеткой матрицы, "
    "отметкой, входит ли он в выбранный сегмент, и тремя признаками, которые сильнее всего повышают его риск (по "
    "SHAP), словами. Названия столбцов и коды в файле — английские, для аналитиков.",
    "segments.figures": "Рисунки: {links}. {note}",
    "segments.figure.risk_profit_matrix": "матрица «риск × прибыль»",
    "segments.figure.segment_histograms": "гистограммы",
    "segments.figure.segment_boxplots": "диаграммы размаха",
    "segments.figure.segment_shares": "доли",
    "segments.figure.segment_effect_sizes": "размеры эффекта",
    "segments.figure.segment_shap_drivers": "факторы риска по SHAP",
}
WORDS |= {
    # the offers of reports/segments.md, each for a feature and the direction the segment differs in
    "segments.offer.pages_per_visit.lower": "**Персональные рекомендации.** Подборка из любимой категории клиента на "
    "главной странице и в еженедельном письме, чтобы каждый визит показывал больше интересных ему страниц",
    "segments.offer.categories_per_visit.lower": "**Наборы из двух категорий.** Любимая категория в наборе со "
    "смежной (например, посуда с мелкой бытовой техникой) по цене набора, чтобы клиент смотрел шире",
    "segments.offer.minutes_current.lower": "**Возврат в этом месяце.** Пуш или письмо о новинках любимой категории "
    "с поводом вернуться сейчас (подборка, которая заканчивается на этой неделе)",
    "segments.offer.minutes_previous.lower": "**Ранний контакт.** Время на сайте было низким уже в прошлом месяце: "
    "отправлять сообщение о возврате, как только клиент стал меньше бывать на сайте, ещё до того, как упадут покупки",
    "segments.offer.promo_purchase_share.higher": "**Персональные промокоды.** Эти клиенты покупают по акциям: дать "
    "им ранний доступ к распродажам и личный код на любимую категорию, не дожидаясь общих кампаний",
    "segments.offer.unpaid_items_quarter.higher": "**Напоминание о корзине.** Напомнить о неоплаченных товарах со "
    "скидкой на ограниченный срок именно на эти товары",
    "segments.offer.marketing_contacts_6m.lower": "**Больше личных контактов.** Маркетинговых контактов у них было "
    "меньше: чаще писать персональные сообщения тем, кто согласился получать предложения",
    "segments.offer.service_errors.higher": "**Извинение за сбой.** Они чаще сталкивались со сбоями сервиса: сначала "
    "исправить сбойные страницы, затем отправить пострадавшим купон с извинением",
    "segments.offer.revenue_before_previous.lower": "**Кешбэк за лояльность.** В позапрошлом месяце они тратили "
    "меньше: "
    "уровень кешбэка, который вознаграждает крупную корзину, даёт повод покупать всё здесь",
}
WORDS |= {
    # reports/eda.md
    "eda.title": "Разведочный анализ: чем отличаются клиенты, чья активность снизилась",
    "eda.generated": "_Отчёт создан командой `python -m stages.eda` по `{source}`; все числа ниже посчитаны._",
    "eda.intro": "В данных **{customers}**; у **{declined}** ({share}) из них покупательская активность снизилась. "
    "Признаков, значимо различающихся между классами: {significant} из {features} (тест Манна — Уитни или "
    "хи-квадрат, поправка Холма, α = {alpha}).",
    "eda.top.heading": "Признаки, сильнее всего разделяющие классы (первые {count})",
    "eda.numeric": "**{phrase}** — {direction} у клиентов со снижением: медиана {median_declined} против "
    "{median_same} (среднее {mean_declined} против {mean_same}; рангово-бисериальная корреляция {effect}, p с "
    "поправкой Холма = {p})",
    "eda.categorical": "**{phrase}**: распределение другое (V Крамера {effect}, p с поправкой Холма = {p}): у "
    "клиентов со снижением {shares_declined}, у остальных {shares_same}",
    "eda.ranked": "По абсолютному размеру эффекта: {figure}",
    "eda.full_table": "Полная таблица: {link}.",
    "eda.trends.heading": "Активность по месяцам",
    "eda.trend.revenue": "Средняя выручка от самого раннего месяца к текущему: у клиентов со снижением {declined}, у "
    "остальных {same}.",
    "eda.trend.minutes": "Среднее время на сайте (минуты) от самого раннего месяца к текущему: у клиентов со "
    "снижением {declined}, у остальных {same}.",
    "eda.entangled.heading": "Взаимосвязанные признаки",
    "eda.entangled.text": "Измерено только на обучающих клиентах (то, что `train` отсюда берёт, не видело ни одного "
    "тестового клиента). Сильнее всего с целевым признаком по phik связаны: {features}.",
    "eda.entangled.pairs": "Пары признаков с phik ≥ {threshold} (порог мультиколлинеарности; перечислены в "
    "`{summary}`; если `train.drop_multicollinear` включён, `train` убирает из пары признак, слабее связанный с "
    "целевым):",
    "eda.entangled.pair": "- {first} и {second}: phik {phik}",
    "eda.entangled.none": "Ни одна пара признаков не достигает phik ≥ {threshold}.",
    "eda.leak.heading": "Проверка на утечку: id клиента",
    "eda.leak.found": "**Один только id разделяет классы с ROC-AUC {auc}**: выгрузка упорядочена по метке. Доля "
    "клиентов со снижением по диапазонам id: {shares}. id не описывает поведения, поэтому ни одна модель здесь его "
    "не использует, а все разбиения и фолды перемешаны.",
    "eda.leak.none": "Один только id разделяет классы с ROC-AUC {auc}: утечки через порядок строк нет.",
    "eda.figures.heading": "Все рисунки",
    "eda.figure.categorical_shares": "доли категориальных признаков",
    "eda.figure.continuous_boxplots": "диаграммы размаха непрерывных признаков",
    "eda.figure.continuous_histograms": "гистограммы непрерывных признаков",
    "eda.figure.discrete_shares": "доли дискретных признаков",
    "eda.figure.effect_sizes": "размеры эффекта",
    "eda.figure.phik_correlation": "корреляция phik",
    "eda.figure.phik_significance": "значимость phik",
    "eda.figure.revenue_minutes_trends": "выручка и минуты на сайте по месяцам",
}
