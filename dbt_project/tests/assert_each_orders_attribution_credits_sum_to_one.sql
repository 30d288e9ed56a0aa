{#- Under every attribution model each converting order's credits sum to 1 (within 1e-9) and its GMV
    credits to its GMV (within 1e-6 fen); every converting order is credited by every model. -#}
with

orders as (

    select distinct order_id, gmv_fen from {{ ref('int_marketing__touchpoints') }}

),

models as (

    select distinct attribution_model from {{ ref('order_attribution') }}

),

sums as (

    select order_id, attribution_model, sum(credit) as credit, sum(gmv_credit_fen) as gmv_credit_fen
    from {{ ref('order_attribution') }}
    group by order_id, attribution_model

)

select orders.order_id, models.attribution_model, sums.credit, sums.gmv_credit_fen, orders.gmv_fen
from orders
cross join models
left join sums on sums.order_id = orders.order_id and sums.attribution_model = models.attribution_model
where sums.order_id is null
    or abs(sums.credit - 1) > 1e-9
    or abs(sums.gmv_credit_fen - orders.gmv_fen) > 1e-6
