{#-
    The rows every attribution model emits, one per order and touch with a non-zero credit:
    (order_id, order_date, attribution_model, touch, credit, gmv_credit_fen). `relation` has one row per
    order, model and touch (order_id, order_date, gmv_fen, touch, credit); `model` is a quoted name or a
    column holding it.
-#}
{% macro attribution_credits(relation, model='attribution_model') -%}
    select
        order_id,
        order_date,
        {{ model }} as attribution_model,
        touch,
        credit,
        credit * gmv_fen as gmv_credit_fen

    from {{ relation }}
    where credit != 0
{%- endmacro %}
