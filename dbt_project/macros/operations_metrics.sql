{#- Operations metrics, defined once (documented in _operations_metrics.yml). -#}

{% macro decided_by(arrived_at, deadline, observed_until) -%}
    {#- Did it arrive by the deadline: true or false once it arrived, false once the deadline passed
        without it (as far as the data reaches), null while that is still open. -#}
    case
        when {{ arrived_at }} is not null then {{ arrived_at }} <= {{ deadline }}
        when {{ observed_until }} > {{ deadline }} then false
    end
{%- endmacro %}

{% macro share_true(flag, over='') -%}
    {#- Share of rows where the flag is true, of those where it is decided (not null); over a window
        when ``over`` names one (e.g. ``over trailing``). -#}
    try_divide(cast(count_if({{ flag }}) {{ over }} as double), count({{ flag }}) {{ over }})
{%- endmacro %}

{% macro days_of_cover(stock_units, daily_units) -%}
    {#- How many days the stock lasts at a daily rate of sale; null while nothing sells. -#}
    try_divide(cast({{ stock_units }} as double), {{ daily_units }})
{%- endmacro %}

{% macro turnover_days(stock_units, units_sold, window) -%}
    {#- Inventory turnover in days over a window: the average stock over the average daily sales
        (days of cover of the window's average stock). -#}
    {{ days_of_cover('avg(' ~ stock_units ~ ') over ' ~ window, 'avg(' ~ units_sold ~ ') over ' ~ window) }}
{%- endmacro %}

{% macro nps(score) -%}
    {#- Net promoter score of the 0-10 answers in a group (see nps_of_counts). -#}
    {{ nps_of_counts('count_if(' ~ score ~ ' >= 9)', 'count_if(' ~ score ~ ' <= 6)', 'count(' ~ score ~ ')') }}
{%- endmacro %}

{% macro nps_of_counts(promoters, detractors, answers) -%}
    {#- Net promoter score: per cent of promoters (9-10) minus per cent of detractors (0-6) among the
        answers; null without answers. -#}
    try_divide(100D * ({{ promoters }} - {{ detractors }}), {{ answers }})
{%- endmacro %}
