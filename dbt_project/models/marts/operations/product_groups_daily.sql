{#- Per day, the product performance rolled up by category, brand and merchandising role (one row per
    group of each kind): views, units, GMV and its share of the day, gross margin, returns, and how much
    of the group's GMV came from the day's hot items (the top `hot_item_top_share` of the SKUs sold,
    by GMV). -#}
{%- set kinds = {'category': 'category_l1', 'brand': 'brand', 'role': 'product_role'} %}
with

skus as (

    select
        *,
        gmv_fen > 0 and row_number() over (partition by activity_date order by gmv_fen desc, sku_id)
            <= ceil({{ var('hot_item_top_share') }} * count_if(gmv_fen > 0) over (partition by activity_date))
            as is_hot_item

    from {{ ref('product_performance_daily') }}

),

grouped as (

    select
        activity_date,
        group_kind,
        group_name,
        count_if(units > 0) as skus_sold,
        count_if(is_hot_item) as hot_items,
        sum(product_views) as product_views,
        sum(add_to_carts) as add_to_carts,
        sum(units) as units,
        sum(gmv_fen) as gmv_fen,
        coalesce(sum(gmv_fen) filter (where is_hot_item), 0) as hot_item_gmv_fen,
        sum(gross_margin_fen) as gross_margin_fen,
        sum(returned_units) as returned_units

    from skus
    {{ each_kind(kinds, 'group_kind', 'group_name', missing='unknown') }}
    group by activity_date, group_kind, group_name

),

final as (

    select
        activity_date,
        group_kind,
        group_name,
        skus_sold,
        hot_items,
        product_views,
        add_to_carts,
        units,
        gmv_fen,
        try_divide(gmv_fen, sum(gmv_fen) over (partition by activity_date, group_kind)) as gmv_share,
        hot_item_gmv_fen,
        try_divide(hot_item_gmv_fen, gmv_fen) as hot_item_gmv_share,
        gross_margin_fen,
        returned_units,
        try_divide(cast(returned_units as double), units) as return_rate

    from grouped

)

select * from final
