namespace Traktor.Ecs;

/// <summary>
/// Describes which archetypes a query visits: those with all of <see cref="All"/>, at least one of
/// <see cref="Any"/> (when given), none of <see cref="None"/>, and — when <see cref="Exclusive"/> is
/// given — exactly those components. Shaped as Arch's: build it with the constructor, an object
/// initializer (<c>new QueryDescription { All = [typeof(A)] }</c>) or the fluent <c>With…</c> methods,
/// each of which returns a new description. Build it once (for example in a field) and pass it by
/// <c>in</c>: equal descriptions share one cached query per world.
/// </summary>
public readonly partial struct QueryDescription : IEquatable<QueryDescription>
{
    /// <summary>Creates a description from its four clauses; omitted clauses are empty.</summary>
    /// <param name="all">Components every matching archetype has.</param>
    /// <param name="any">Components of which a matching archetype has at least one (ignored when empty).</param>
    /// <param name="none">Components no matching archetype has.</param>
    /// <param name="exclusive">When not empty, the exact component set of every matching archetype.</param>
    public QueryDescription(Signature all = default, Signature any = default, Signature none = default, Signature exclusive = default)
    {
        All = all;
        Any = any;
        None = none;
        Exclusive = exclusive;
    }

    /// <summary>The description with no clause: it matches every archetype (Arch's <c>QueryDescription.Null</c>).</summary>
    public static QueryDescription Null => default;

    /// <summary>The components every matching archetype has.</summary>
    public Signature All { get; init; }

    /// <summary>The components of which a matching archetype has at least one (ignored when empty).</summary>
    public Signature Any { get; init; }

    /// <summary>The components no matching archetype has.</summary>
    public Signature None { get; init; }

    /// <summary>When not empty, matching archetypes have exactly these components and no others.</summary>
    public Signature Exclusive { get; init; }

    /// <summary>True when an archetype with component set <paramref name="mask"/> matches.</summary>
    /// <param name="mask">An archetype's component ids.</param>
    public bool Matches(BitSet mask) =>
        mask.ContainsAll(All.Mask) && (Any.IsEmpty || mask.Overlaps(Any.Mask)) && !mask.Overlaps(None.Mask) &&
        (Exclusive.IsEmpty || mask.Equals(Exclusive.Mask));

    /// <summary>Returns a copy that also requires the given component types.</summary>
    /// <param name="types">Component types.</param>
    public QueryDescription WithAll(params ReadOnlySpan<ComponentType> types) => this with { All = All.Union(types) };

    /// <summary>Returns a copy that also accepts archetypes having any of the given component types.</summary>
    /// <param name="types">Component types.</param>
    public QueryDescription WithAny(params ReadOnlySpan<ComponentType> types) => this with { Any = Any.Union(types) };

    /// <summary>Returns a copy that also excludes archetypes having any of the given component types.</summary>
    /// <param name="types">Component types.</param>
    public QueryDescription WithNone(params ReadOnlySpan<ComponentType> types) => this with { None = None.Union(types) };

    /// <summary>Returns a copy that matches only archetypes with exactly the given component types (plus any named before).</summary>
    /// <param name="types">Component types.</param>
    public QueryDescription WithExclusive(params ReadOnlySpan<ComponentType> types) => this with { Exclusive = Exclusive.Union(types) };

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
    public bool Equals(QueryDescription other) =>
        All.Equals(other.All) && Any.Equals(other.Any) && None.Equals(other.None) && Exclusive.Equals(other.Exclusive);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is QueryDescription other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(All, Any, None, Exclusive);

    /// <summary>Compares two descriptions by their component sets.</summary>
    public static bool operator ==(QueryDescription left, QueryDescription right) => left.Equals(right);

    /// <summary>Compares two descriptions by their component sets.</summary>
    public static bool operator !=(QueryDescription left, QueryDescription right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => $"Query(All:{All}, Any:{Any}, None:{None}, Exclusive:{Exclusive})";
}
