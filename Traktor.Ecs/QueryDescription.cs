namespace Traktor.Ecs;

/// <summary>
/// Describes which archetypes a query visits: those with all of <c>WithAll</c>, at least one of
/// <c>WithAny</c> (when given) and none of <c>WithNone</c>. Immutable; each <c>With…</c> returns a new
/// description. Build it once (for example in a field) and pass it by <c>in</c>: equal descriptions
/// share one cached query per world.
/// </summary>
public readonly struct QueryDescription : IEquatable<QueryDescription>
{
    private readonly BitSet? all;
    private readonly BitSet? any;
    private readonly BitSet? none;

    private QueryDescription(BitSet? all, BitSet? any, BitSet? none)
    {
        this.all = all;
        this.any = any;
        this.none = none;
    }

    /// <summary>The components every matching archetype has.</summary>
    public BitSet All => all ?? BitSet.Empty;

    /// <summary>The components of which a matching archetype has at least one (ignored when empty).</summary>
    public BitSet Any => any ?? BitSet.Empty;

    /// <summary>The components no matching archetype has.</summary>
    public BitSet None => none ?? BitSet.Empty;

    /// <summary>True when an archetype with component set <paramref name="mask"/> matches.</summary>
    /// <param name="mask">An archetype's component ids.</param>
    public bool Matches(BitSet mask) =>
        mask.ContainsAll(All) && (Any.IsEmpty || mask.Overlaps(Any)) && !mask.Overlaps(None);

    /// <summary>Returns a copy that also requires the given component types.</summary>
    /// <param name="types">Component types.</param>
    public QueryDescription WithAll(params ReadOnlySpan<ComponentType> types) => new(Union(all, types), any, none);

    /// <summary>Returns a copy that also accepts archetypes having any of the given component types.</summary>
    /// <param name="types">Component types.</param>
    public QueryDescription WithAny(params ReadOnlySpan<ComponentType> types) => new(all, Union(any, types), none);

    /// <summary>Returns a copy that also excludes archetypes having any of the given component types.</summary>
    /// <param name="types">Component types.</param>
    public QueryDescription WithNone(params ReadOnlySpan<ComponentType> types) => new(all, any, Union(none, types));

    /// <summary>Returns a copy that also requires these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    public QueryDescription WithAll<T0>() => WithAll([Component<T0>.ComponentType]);

    /// <summary>Returns a copy that also requires these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    public QueryDescription WithAll<T0, T1>() => WithAll([Component<T0>.ComponentType, Component<T1>.ComponentType]);

    /// <summary>Returns a copy that also requires these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    /// <typeparam name="T2">A component type.</typeparam>
    public QueryDescription WithAll<T0, T1, T2>() => WithAll([Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType]);

    /// <summary>Returns a copy that also requires these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    /// <typeparam name="T2">A component type.</typeparam>
    /// <typeparam name="T3">A component type.</typeparam>
    public QueryDescription WithAll<T0, T1, T2, T3>() => WithAll([Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType, Component<T3>.ComponentType]);

    /// <summary>Returns a copy that also requires these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    /// <typeparam name="T2">A component type.</typeparam>
    /// <typeparam name="T3">A component type.</typeparam>
    /// <typeparam name="T4">A component type.</typeparam>
    public QueryDescription WithAll<T0, T1, T2, T3, T4>() => WithAll([Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType, Component<T3>.ComponentType, Component<T4>.ComponentType]);

    /// <summary>Returns a copy that also requires these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    /// <typeparam name="T2">A component type.</typeparam>
    /// <typeparam name="T3">A component type.</typeparam>
    /// <typeparam name="T4">A component type.</typeparam>
    /// <typeparam name="T5">A component type.</typeparam>
    public QueryDescription WithAll<T0, T1, T2, T3, T4, T5>() => WithAll([Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType, Component<T3>.ComponentType, Component<T4>.ComponentType, Component<T5>.ComponentType]);

    /// <summary>Returns a copy that also accepts archetypes having any of these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    public QueryDescription WithAny<T0>() => WithAny([Component<T0>.ComponentType]);

    /// <summary>Returns a copy that also accepts archetypes having any of these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    public QueryDescription WithAny<T0, T1>() => WithAny([Component<T0>.ComponentType, Component<T1>.ComponentType]);

    /// <summary>Returns a copy that also accepts archetypes having any of these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    /// <typeparam name="T2">A component type.</typeparam>
    public QueryDescription WithAny<T0, T1, T2>() => WithAny([Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType]);

    /// <summary>Returns a copy that also accepts archetypes having any of these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    /// <typeparam name="T2">A component type.</typeparam>
    /// <typeparam name="T3">A component type.</typeparam>
    public QueryDescription WithAny<T0, T1, T2, T3>() => WithAny([Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType, Component<T3>.ComponentType]);

    /// <summary>Returns a copy that also accepts archetypes having any of these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    /// <typeparam name="T2">A component type.</typeparam>
    /// <typeparam name="T3">A component type.</typeparam>
    /// <typeparam name="T4">A component type.</typeparam>
    public QueryDescription WithAny<T0, T1, T2, T3, T4>() => WithAny([Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType, Component<T3>.ComponentType, Component<T4>.ComponentType]);

    /// <summary>Returns a copy that also accepts archetypes having any of these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    /// <typeparam name="T2">A component type.</typeparam>
    /// <typeparam name="T3">A component type.</typeparam>
    /// <typeparam name="T4">A component type.</typeparam>
    /// <typeparam name="T5">A component type.</typeparam>
    public QueryDescription WithAny<T0, T1, T2, T3, T4, T5>() => WithAny([Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType, Component<T3>.ComponentType, Component<T4>.ComponentType, Component<T5>.ComponentType]);

    /// <summary>Returns a copy that also excludes archetypes having any of these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    public QueryDescription WithNone<T0>() => WithNone([Component<T0>.ComponentType]);

    /// <summary>Returns a copy that also excludes archetypes having any of these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    public QueryDescription WithNone<T0, T1>() => WithNone([Component<T0>.ComponentType, Component<T1>.ComponentType]);

    /// <summary>Returns a copy that also excludes archetypes having any of these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    /// <typeparam name="T2">A component type.</typeparam>
    public QueryDescription WithNone<T0, T1, T2>() => WithNone([Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType]);

    /// <summary>Returns a copy that also excludes archetypes having any of these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    /// <typeparam name="T2">A component type.</typeparam>
    /// <typeparam name="T3">A component type.</typeparam>
    public QueryDescription WithNone<T0, T1, T2, T3>() => WithNone([Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType, Component<T3>.ComponentType]);

    /// <summary>Returns a copy that also excludes archetypes having any of these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    /// <typeparam name="T2">A component type.</typeparam>
    /// <typeparam name="T3">A component type.</typeparam>
    /// <typeparam name="T4">A component type.</typeparam>
    public QueryDescription WithNone<T0, T1, T2, T3, T4>() => WithNone([Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType, Component<T3>.ComponentType, Component<T4>.ComponentType]);

    /// <summary>Returns a copy that also excludes archetypes having any of these components.</summary>
    /// <typeparam name="T0">A component type.</typeparam>
    /// <typeparam name="T1">A component type.</typeparam>
    /// <typeparam name="T2">A component type.</typeparam>
    /// <typeparam name="T3">A component type.</typeparam>
    /// <typeparam name="T4">A component type.</typeparam>
    /// <typeparam name="T5">A component type.</typeparam>
    public QueryDescription WithNone<T0, T1, T2, T3, T4, T5>() => WithNone([Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType, Component<T3>.ComponentType, Component<T4>.ComponentType, Component<T5>.ComponentType]);

    /// <inheritdoc />
    public bool Equals(QueryDescription other) => All.Equals(other.All) && Any.Equals(other.Any) && None.Equals(other.None);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is QueryDescription other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(All, Any, None);

    /// <summary>Compares two descriptions by their component sets.</summary>
    public static bool operator ==(QueryDescription left, QueryDescription right) => left.Equals(right);

    /// <summary>Compares two descriptions by their component sets.</summary>
    public static bool operator !=(QueryDescription left, QueryDescription right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => $"Query(All:{All}, Any:{Any}, None:{None})";

    private static BitSet Union(BitSet? set, ReadOnlySpan<ComponentType> types)
    {
        var result = set ?? BitSet.Empty;
        foreach (var type in types)
        {
            result = result.With(type.Id);
        }

        return result;
    }
}
