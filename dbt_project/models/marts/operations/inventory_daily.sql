{#- Per snapshot day, warehouse and SKU: the counted stock (on hand, reserved, available), whether it was
    out of stock, and the share of the trailing window's counted days it was. Every SKU a warehouse has
    counted has a row for every day from its first count to the lake's latest snapshot day: a day
    without a count is marked (no_file: the warehouse sent nothing that day; not_in_file: its file had
    no valid row for the SKU) with the last count beside it, never filled in silently. -#}
with

snapshots as (

    select * from {{ ref('stg_inventory__snapshots') }}

),

days as (

    select explode(sequence(min(snapshot_date), max(snapshot_date), interval 1 day)) as snapshot_date
    from snapshots

),

stocked as (

    select warehouse_id, sku_id, min(snapshot_date) as first_counted_date
    from snapshots
    group by warehouse_id, sku_id

),

reported as (

    select distinct warehouse_id, snapshot_date
    from snapshots

),

spine as (

    select days.snapshot_date, stocked.warehouse_id, stocked.sku_id
    from stocked
    inner join days on days.snapshot_date >= stocked.first_counted_date

),

counted as (

    select
        spine.snapshot_date,
        spine.warehouse_id,
        spine.sku_id,
        case
            when snapshots.sku_id is not null then 'counted'
            when reported.warehouse_id is null then 'no_file'
            else 'not_in_file'
        end as snapshot_status,
        snapshots.on_hand_units,
        snapshots.reserved_units,
        snapshots.available_units,
        snapshots.available_units <= 0 as is_stockout

    from spine
    left join snapshots
        on snapshots.snapshot_date = spine.snapshot_date
        and snapshots.warehouse_id = spine.warehouse_id
        and snapshots.sku_id = spine.sku_id
    left join reported
        on reported.snapshot_date = spine.snapshot_date
        and reported.warehouse_id = spine.warehouse_id

),

final as (

    select
        snapshot_date,
        warehouse_id,
        sku_id,
        snapshot_status,
        on_hand_units,
        reserved_units,
        available_units,
        is_stockout,
        max(case when snapshot_status = 'counted' then snapshot_date end) over history as last_counted_date,
        last_value(on_hand_units, true) over history as last_counted_on_hand_units,
        last_value(available_units, true) over history as last_counted_available_units,
        {{ share_true('is_stockout', 'over trailing') }} as stockout_rate

    from counted
    window
        history as (partition by warehouse_id, sku_id order by snapshot_date
                    rows between unbounded preceding and current row),
        trailing as (partition by warehouse_id, sku_id order by snapshot_date
                     rows between {{ var('inventory_window_days') - 1 }} preceding and current row)

)

select * from final
