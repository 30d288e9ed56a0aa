{#- Per snapshot day and SKU, across the warehouses: the stock at the day's close (a warehouse without a
    count that day contributes its last count, and is counted as carried forward), the units its paid
    orders bought, sell-through, days of inventory at the trailing window's rate of sale, and turnover
    days over that window. Orders do not name the warehouse that shipped them, so rates of sale, and
    with them turnover, exist per SKU, not per warehouse. -#}
with

stock as (

    select
        snapshot_date,
        sku_id,
        count_if(snapshot_status = 'counted') as warehouses_counted,
        count_if(snapshot_status != 'counted') as warehouses_carried_forward,
        sum(coalesce(on_hand_units, last_counted_on_hand_units)) as on_hand_units,
        sum(coalesce(available_units, last_counted_available_units)) as available_units

    from {{ ref('inventory_daily') }}
    group by snapshot_date, sku_id

),

sales as (

    select order_date, sku_id, sum(quantity) as units_sold
    from {{ ref('int_products__order_lines') }}
    where is_paid
    group by order_date, sku_id

),

daily as (

    select
        stock.snapshot_date,
        stock.sku_id,
        stock.warehouses_counted,
        stock.warehouses_carried_forward,
        stock.on_hand_units,
        stock.available_units,
        stock.available_units <= 0 as is_stockout,
        coalesce(sales.units_sold, 0) as units_sold

    from stock
    left join sales on sales.order_date = stock.snapshot_date and sales.sku_id = stock.sku_id

),

final as (

    select
        snapshot_date,
        sku_id,
        warehouses_counted,
        warehouses_carried_forward,
        on_hand_units,
        available_units,
        is_stockout,
        units_sold,
        try_divide(cast(units_sold as double), units_sold + on_hand_units) as sell_through,
        {{ days_of_cover('on_hand_units', 'avg(units_sold) over trailing') }} as days_of_inventory,
        {{ turnover_days('on_hand_units', 'units_sold', 'trailing') }} as turnover_days

    from daily
    window trailing as (partition by sku_id order by snapshot_date
                        rows between {{ var('inventory_window_days') - 1 }} preceding and current row)

)

select * from final
