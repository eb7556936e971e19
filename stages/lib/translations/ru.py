"""What the manager reads, in Russian (the default): one table, the same keys as en.py (tests/lib/test_words.py).

A value is a str.format template; its {names} are filled with text the caller already formatted
(numbers by `Words.number`: «1 357,3»), so a template never decides how a number looks.
"""

WORDS = {
    # units and small words
    "unit.money": "тыс. руб.",
    "unit.money_per_month": "тыс. руб. в месяц",
    "money.assumed": "в выгрузке прибыль дана без единиц, её масштаб (около 4 в месяц) читается как тысячи рублей",
    "yes": "да",
    "no": "нет",
    "all": "все",
    # how a marketer reads each feature (reasons, offers, drift, flags)
    "phrase.marketing_contacts_6m": "маркетинговые контакты в месяц (за 6 месяцев)",
    "phrase.marketing_contacts_current": "маркетинговые контакты в этом месяце",
    "phrase.days_registered": "дни с регистрации",
    "phrase.promo_purchase_share": "доля покупок по акции",
    "phrase.categories_per_visit": "категории за визит",
    "phrase.unpaid_items_quarter": "неоплаченные товары в корзине (за 3 месяца)",
    "phrase.service_errors": "сбои сервиса на сайте",
    "phrase.pages_per_visit": "страницы за визит",
    "phrase.revenue_current": "траты в этом месяце",
    "phrase.revenue_previous": "траты в прошлом месяце",
    "phrase.revenue_before_previous": "траты в позапрошлом месяце",
    "phrase.minutes_current": "минуты на сайте в этом месяце",
    "phrase.minutes_previous": "минуты на сайте в прошлом месяце",
    "phrase.service_tier": "тип сервиса",
    "phrase.allows_offers": "согласие на рассылку",
    "phrase.favourite_category": "популярная категория",
    "phrase.probability": "прогноз вероятности снижения",
    # a customer's reason, against the typical (median) customer of the training month
    "reason.low": "{phrase}: ниже обычного ({value}; обычно {typical})",
    "reason.high": "{phrase}: выше обычного ({value}; обычно {typical})",
    "reason.typical": "{phrase}: как обычно ({value})",
    "reason.label": "{phrase}: {label}",
    "direction.low": "{phrase}: ниже обычного",
    "direction.high": "{phrase}: выше обычного",
    # the offer catalogue (params.yaml `offers`; an offer missing here is shown by its params name)
    "offer.personal_recommendations": "персональные рекомендации",
    "offer.cross_category_bundle": "набор из двух категорий",
    "offer.early_reengagement": "ранний возврат",
    "offer.personal_promo_code": "персональный промокод",
    "offer.abandoned_cart_reminder": "напоминание о корзине",
    "offer.service_recovery": "извинение за сбой",
    "offer.loyalty_cashback": "кешбэк за лояльность",
    "about.personal_recommendations": "Подборка из любимой категории на главной странице и в письме",
    "about.cross_category_bundle": "Любимая категория в наборе со смежной со скидкой",
    "about.early_reengagement": "Пуш или письмо о новинках, как только клиент стал реже бывать на сайте",
    "about.personal_promo_code": "Ранний доступ к распродаже и личный код на любимую категорию",
    "about.abandoned_cart_reminder": "Напоминание о неоплаченных товарах со скидкой на ограниченный срок",
    "about.service_recovery": "Купон с извинением после исправления сбойных страниц",
    "about.loyalty_cashback": "Уровень кешбэка, который вознаграждает крупную корзину",
    # what the action list says about each customer
    "action.contact": "связаться с предложением в этом месяце",
    "action.control": "выбран, но случайно оставлен в контрольной группе предложения: не связываться",
    "action.over_budget": "стоит связаться, но не помещается в бюджет месяца",
    "action.not_worth": "лучшее предложение стоит дороже, чем должно сберечь",
    "action.no_offer": "ни одно предложение каталога не нацелено на причины риска",
    "action.below_cut": "ниже отсечки: даже лучшее предложение не обошло бы последнего клиента на контакт",
    "action.not_explained": "не объяснён: раньше кончился месячный лимит объяснений (его задаёт аналитик)",
    "action.no_consent": "не согласен получать предложения («Разрешить сообщать» = нет): не связываться",
    "action.not_regular": "непостоянный клиент: модель построена не для него",
    "action.not_scored": "не оценён",
    "act.contact": "связаться",
    "act.control": "контрольная группа: не связываться",
    "act.over_budget": "сверх бюджета",
    "act.not_worth": "не окупается",
    "act.no_offer": "нет подходящего предложения",
    "act.below_cut": "ниже отсечки",
    "act.not_explained": "не объяснён",
    "act.no_consent": "нет согласия",
    "act.not_regular": "непостоянный",
    "act.not_scored": "не оценён",
    "not_scored.drop_customer": "выручка выше порога аномальной выручки (правило drop_customer)",
    "not_scored.every_month": "выручка выше порога аномальной выручки во всех месяцах: не из чего восстановить",
    "consent_unknown": "согласие неизвестно («Разрешить сообщать» пусто или не читается): не связываться",
    "risk.high": "высокий риск ({threshold} и выше)",
    "risk.low": "низкий риск (ниже {threshold})",
    "segment.high_risk_high_profit": "высокий риск, высокая прибыль",
    "segment.high_risk_low_profit": "высокий риск, низкая прибыль",
    "segment.low_risk_high_profit": "низкий риск, высокая прибыль",
    "segment.low_risk_low_profit": "низкий риск, низкая прибыль",
    "segment.not_regular": "непостоянный",
    "effect.assumed": "допущение (params.yaml)",
    "effect.measured": "измерен в кампании «{campaign}»: {treated} получили, {control} в контроле, 95 % интервал "
    "от {low} до {high}",
    "effect.uplift": "свой для каждого клиента, от модели аплифта ({learner}) по кампаниям {campaigns}, "
    "не больше {cap}",
    "flag.empty": "{phrase}: пусто, модель подставила типичное значение",
    "flag.unseen": "{phrase}: новое значение «{label}», модель подставила типичное значение",
    # the action list (CSV and page), headers with their units
    "column.priority": "приоритет",
    "column.id": "id клиента",
    "column.probability": "вероятность снижения, %",
    "column.risk_band": "риск",
    "column.profit": "прибыль, тыс. руб. в месяц",
    "column.segment": "сегмент",
    "column.favourite_category": "популярная категория",
    "column.allows_offers": "согласие",
    "column.reason_1": "причина риска 1",
    "column.reason_2": "причина риска 2",
    "column.reason_3": "причина риска 3",
    "column.offer": "предложение",
    "column.offer_reason": "почему это предложение",
    "column.offer_cost": "стоимость предложения, тыс. руб. за контакт",
    "column.offer_effect": "эффект предложения, %",
    "column.effect_source": "откуда эффект",
    "column.expected_value": "ожидаемая польза, тыс. руб. в месяц",
    "column.action": "действие",
    "column.note": "что делать",
    "column.flags": "отметки",
    "column.risk_reasons": "причины риска",
}
WORDS |= {
    # the page: summary
    "page.title.training": "Решение месяца: кому и что предложить",
    "page.title.month": "Решение на месяц «{month}»: кому и что предложить",
    "page.month.training": "Обучающий месяц (выгрузки, на которых училась модель)",
    "page.month.new": "Новый месяц, оценён по выгрузкам из «{folder}»",
    "page.source.training": "вероятность каждого клиента получена моделью, которая не видела его исхода",
    "page.source.saved": "сохранённая модель",
    "page.probabilities": "Вероятности: {source}.",
    "page.money": "Деньги — в тысячах рублей (тыс. руб.). Прибыль — средняя месячная прибыль от клиента. Ожидаемая "
    "польза предложения — прибыль, которую оно должно сохранить за один месяц, за вычетом его разовой стоимости: "
    "считается один месяц намеренно, хотя удержанный клиент может остаться дольше. Единица — допущение: {why}.",
    "page.lead": "Клиентов для контакта в этом месяце: <b>{contacted}</b> (бюджет: {limit}). Предложения стоят "
    "<b>{cost}</b> разово и должны сохранить <b>{value}</b> прибыли за вычетом этой стоимости (один месяц "
    "сохранённой прибыли). Стоят контакта, но не вошли в бюджет: <b>{over}</b> (их ожидаемая польза "
    "{over_value}). Не согласились "
    "получать предложения: <b>{no_consent}</b>, с ними не связываемся (их прибыль: {lost} в месяц).",
    "page.budget.contacts": "контактов не больше {count}",
    "page.budget.none": "без ограничений",
    "page.budget.and": " и ",
    "page.flags": "Сначала проверьте выгрузки:",
    "page.value_rule": "Ожидаемая польза = вероятность снижения × месячная прибыль × эффект предложения − его "
    "разовая стоимость. Стоимости — допущения из params.yaml (раздел <code>offers</code>); эффекты тоже, пока их не "
    "измерит разбор кампании (таблица предложений показывает, какие). В контрольной группе, по которой измеряются "
    "предложения, оставлено выбранных клиентов: <b>{control}</b>; цена измерения — их ожидаемая польза, {held}.",
    # the page: matrix
    "matrix.title": "Риск и прибыль",
    "matrix.heading": "Вероятность снижения и месячная прибыль",
    "noun.customers": "клиент|клиента|клиентов",
    "matrix.profit": "{value} в месяц",
    "matrix.risk_high": "риск ≥ {threshold}",
    "matrix.risk_low": "риск < {threshold}",
    "matrix.profit_low": "прибыль < {threshold}",
    "matrix.profit_high": "прибыль ≥ {threshold}",
    "matrix.note": "Постоянные клиенты по вероятности снижения и средней месячной прибыли ({unit}); общая картина "
    "за списком ниже.",
    # the page: offers
    "offers.title": "Предложения",
    "offers.chart": "Ожидаемая сохранённая прибыль в пределах бюджета, {unit} в месяц",
    "offers.note": "Деньги в {unit}; эффект — доля вероятности снижения, которую снимает предложение.",
    "offers.offer": "предложение",
    "offers.for": "для клиентов, чей риск связан с",
    "offers.cost_per_contact": "стоимость контакта, {unit}",
    "offers.effect": "эффект (откуда)",
    "offers.contacted": "связаться",
    "offers.cost": "стоимость, {unit}",
    "offers.value": "ожидаемая польза, {unit} в месяц",
    "offers.over_budget": "сверх бюджета",
    "offers.value_over_budget": "их ожидаемая польза, {unit} в месяц",
    # the page: the action list
    "list.title": "Список действий",
    "list.note": "По приоритету: сначала контакты в пределах бюджета по ожидаемой пользе, затем те, кто не поместился "
    "в бюджет, затем все остальные с причиной. Щёлкните заголовок столбца, чтобы отсортировать; фильтры сужают "
    "список. Здесь посчитан каждый клиент месяца; список показывает тех, кто нужен.",
    "list.download": "Скачать этот список (CSV)",
    "list.download_file": "список_действий_отобранное.csv",
    "list.every_column": "Показать все столбцы",
    "filter.offer": "Предложение",
    "filter.risk": "Риск",
    "filter.consent": "Согласие",
    "filter.action": "Действие",
    "counts.what": "что происходит",
    "counts.customers": "клиентов",
    "counts.listed": "в списке ниже",
    "counts.everyone": "все клиенты месяца",
    "counts.showing": 'Показано строк: <b id="shown" data-separator="{separator}">{shown}</b> из {everyone}.',
    "counts.scored": "Оценено моделью: {scored} из {everyone}.",
    "analyst.title": "Для аналитика",
    "link.segments": "Отчёт о сегментах (markdown)",
    "link.action_list": "Список действий (CSV для Excel)",
    "link.shap": "Что определяет риск (важность SHAP)",
    "link.eda": "Исследование данных (отчёт EDA)",
    "link.models": "Сравнение моделей",
    "link.training_page": "Страница обучающего месяца",
    # the monthly console
    "console.warning": "внимание: {text}",
    "console.customers": "score: всего клиентов {customers}: {counts}; строк исправлено правилами: {fixes}",
    "warning.cut": "{file} не заканчивается переводом строки, в отличие от других выгрузок: файл мог оборваться, "
    "и в последней строке (id {id}) значение прочитано обрезанным. Сверьте последнюю строку с системой магазина и "
    "выгрузите файл заново, если она отличается.",
    "warning.row_too_long": "неизвестен: последняя строка слишком длинная, чтобы её показать",
    "console.none": "нет",
    "console.decision": "score: связаться с {contacted} (разовая стоимость {cost}), ожидаемая польза {value} за "
    "вычетом стоимости; вне бюджета {over} (их ожидаемая польза {over_value}); без согласия {no_consent}",
    "console.control": "контроль: {offer}: связаться {contacted}, в контроле {control}; {can} (мощность 80 %, 5 % "
    "двусторонний)",
    "console.too_few": "слишком мало, чтобы измерить",
    "console.detects": "заметит эффект от {effect}",
    "console.imputed": "отмечен: {id}: {flags}",
    "console.imputed_more": "отмечены ещё клиенты: {count} (столбец flags в партициях)",
    "console.not_scored": "не оценён: {id}: {note}",
    "console.drift": "сдвиг данных: {verdict}. {instruction}",
    "console.moved": "сдвиг данных: сдвинулись: {detail}",
    "console.wrote": "score: записаны {out}, {page}, запись кампании {record} и партиции с оценкой каждого клиента "
    "({parts}) в {folder}",
}
WORDS |= {
    # drift: does this month look like the training month?
    "verdict.fine": "норма: месяц похож на обучающий",
    "verdict.watch": "внимание: некоторые признаки сдвинулись",
    "verdict.retrain": "переобучить: месяц заметно отличается от обучающего",
    "drift.title": "Похож ли этот месяц на тот, на котором училась модель?",
    "drift.verdict": "Вывод:",
    "drift.note": "Индекс стабильности популяции (PSI) каждого признака и прогноза вероятности относительно месяца, "
    "на котором училась модель (ниже {watch} — стабильно, {watch}–{retrain} — сдвинулся, выше {retrain} — сильно "
    "сдвинулся; пороги в params.yaml, раздел <code>drift</code>), и доля новых категорий или пустых ячеек (внимание "
    "от {unseen_watch}, переобучить от {unseen_retrain}): вывод по признаку — худший из двух.",
    "drift.feature": "признак",
    "drift.unseen": "новые или пустые",
    "drift.verdict_column": "вывод",
    # the control group before sending
    "control.title": "Контрольная группа: как будет измерена кампания этого месяца",
    "control.intro": "Из клиентов, выбранных для предложения, случайная доля <b>не получает его</b> (действие "
    "«{action}»): их исход показывает, что было бы без предложения. Жребий задан названием кампании «{label}» и "
    "id клиента, поэтому его можно повторить и проверить. Бюджет считает только контакты.",
    "control.unmeasurable": "<b>Этот месяц слишком мал, чтобы измерить любое предложение</b>: можно не заметить "
    "даже предложение, которое остановило бы любое снижение. Отправляйте, если ожидаемая польза того стоит, и "
    "объединяйте кампании нескольких месяцев, чтобы измерить.",
    "control.measurable": "Через три месяца разбор сравнит клиентов, получивших каждое предложение, с его "
    "контрольной группой.",
    "control.offer": "предложение",
    "control.contacted": "связаться",
    "control.control": "контроль",
    "control.baseline": "ожидаемая доля снижения без предложения",
    "control.effect": "принятый эффект",
    "control.detectable": "наименьший эффект, который заметит этот месяц (мощность 80 %, 5 % двусторонний)",
    "control.too_few": "слишком мало клиентов, чтобы что-то измерить",
    "control.may_miss": "{effect}: больше принятого эффекта, поэтому реальный эффект такого размера можно не заметить",
}
WORDS |= {
    # drift: what to do, and the table a manager reads
    "instruction.fine": "Действуйте по списку.",
    "instruction.watch": "Действуйте по списку и сообщите аналитику, какие признаки сдвинулись (таблица «{title}» "
    "ниже).",
    "instruction.retrain.top_of_list": "В списке не больше {top} контактов, с наибольшей ожидаемой пользой; "
    "остальных, кто стоит контакта, оставьте до переобучения модели на свежих месяцах. Сообщите аналитику.",
    "instruction.retrain.wait": "В этом месяце ни с кем не связываемся: список оставляет всех до переобучения модели "
    "на свежих месяцах. Сообщите аналитику.",
    "page.budget.drift": " — урезан из-за сдвига данных",
    "drift.same_median_moved": "медиана та же, распределение сдвинулось",
    "console.timings": "score: время: {timings}; объяснено клиентов: {explained}",
    "console.rule": "{rule} {rows}",
    "drift.reference": "обучающий месяц",
    "drift.month": "этот месяц",
    "drift.change": "изменение",
    "drift.psi": "сдвиг (PSI)",
    "drift.median": "медиана {value}",
    "drift.share": "«{label}»: {share}",
    "drift.higher": "выше",
    "drift.lower": "ниже",
    "drift.same": "без изменений",
    "drift.more": "больше «{label}»",
    "drift.fewer": "меньше «{label}»",
    "drift.new_label": "новое значение «{label}»: {count}",
    "drift.empty": "пусто: {count}",
    "drift.new_labels_note": "Клиенты с новым значением сохраняют его в списке как есть и отмечены; модель "
    "оценивает их так, будто ячейка пуста.",
}
WORDS |= {
    # the data-quality rules and the steps of `score`, on its console
    "rule.exact_duplicate_rows": "удалены повторы строк",
    "rule.label_typos": "исправлены опечатки в метках",
    "rule.extreme_revenue": "исправлена аномальная выручка",
    "rule.not_regular_removed": "непостоянные клиенты",
    "rule.duplicate_customers_found": "найдены клиенты-дубликаты",
    "rule.duplicate_customers_conflicting_target": "дубликаты с разными исходами",
    "rule.duplicate_customers_dropped": "удалены клиенты-дубликаты",
    "step.split": "разбиение",
    "step.partitions": "партиции",
    "step.reasons": "объяснения",
    "unit.seconds": "с",
}
