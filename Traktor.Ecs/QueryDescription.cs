using System.Diagnostics.CodeAnalysis;

namespace Traktor.Ecs;

/// <summary>
/// Describes which archetypes a query visits: those with all of <see cref="All"/>, at least one of
/// <see cref="Any"/> (when given), none of <see cref="None"/>, and — when <see cref="Exclusive"/> is
/// given — exactly those components. Shaped as Arch's: build it with the constructor, an object
/// initializer (<c>new QueryDescription { All = [typeof(A)] }</c>) or the fluent <c>With…</c> methods,
/// each of which, as in Arch, adds to the clause of the description it is called on and returns that
/// description by reference (so <c>description.WithAll&lt;A&gt;();</c> alone changes it). Build it once
/// (for example in a field) and pass it by <c>in</c>: equal descriptions share one cached query per world,
/// which keeps its own copy, so changing a description later never changes a query built from it.
/// </summary>
public partial struct QueryDescription : IEquatable<QueryDescription>
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
    public Signature All { get; set; }

    /// <summary>The components of which a matching archetype has at least one (ignored when empty).</summary>
    public Signature Any { get; set; }

    /// <summary>The components no matching archetype has.</summary>
    public Signature None { get; set; }

    /// <summary>When not empty, matching archetypes have exactly these components and no others.</summary>
    public Signature Exclusive { get; set; }

    /// <summary>True when an archetype with component set <paramref name="mask"/> matches.</summary>
    /// <param name="mask">An archetype's component ids.</param>
    public readonly bool Matches(BitSet mask) =>
        mask.ContainsAll(All.Mask) && (Any.IsEmpty || mask.Overlaps(Any.Mask)) && !mask.Overlaps(None.Mask) &&
        (Exclusive.IsEmpty || mask.Equals(Exclusive.Mask));

    /// <summary>Also requires the given component types: changes this description and returns it by reference (Arch's shape).</summary>
    /// <param name="types">Component types.</param>
    /// <returns>This description.</returns>
    [UnscopedRef]
    public ref QueryDescription WithAll(params ReadOnlySpan<ComponentType> types)
    {
        All = All.Union(types);
        return ref this;
    }

    /// <summary>Also accepts archetypes having any of the given component types: changes this description and returns it by reference (Arch's shape).</summary>
    /// <param name="types">Component types.</param>
    /// <returns>This description.</returns>
    [UnscopedRef]
    public ref QueryDescription WithAny(params ReadOnlySpan<ComponentType> types)
    {
        Any = Any.Union(types);
        return ref this;
    }

    /// <summary>Also excludes archetypes having any of the given component types: changes this description and returns it by reference (Arch's shape).</summary>
    /// <param name="types">Component types.</param>
    /// <returns>This description.</returns>
    [UnscopedRef]
    public ref QueryDescription WithNone(params ReadOnlySpan<ComponentType> types)
    {
        None = None.Union(types);
        return ref this;
    }

    /// <summary>Matches only archetypes with exactly the given component types (plus any named before): changes this description and returns it by reference (Arch's shape).</summary>
    /// <param name="types">Component types.</param>
    /// <returns>This description.</returns>
    [UnscopedRef]
    public ref QueryDescription WithExclusive(params ReadOnlySpan<ComponentType> types)
    {
        Exclusive = Exclusive.Union(types);
        return ref this;
    }

    /// <inheritdoc />
    public readonly bool Equals(QueryDescription other) =>
        All.Equals(other.All) && Any.Equals(other.Any) && None.Equals(other.None) && Exclusive.Equals(other.Exclusive);

    /// <inheritdoc />
    public override readonly bool Equals(object? obj) => obj is QueryDescription other && Equals(other);

    /// <inheritdoc />
    public override readonly int GetHashCode() => HashCode.Combine(All, Any, None, Exclusive);

    /// <summary>Compares two descriptions by their component sets.</summary>
    public static bool operator ==(QueryDescription left, QueryDescription right) => left.Equals(right);

    /// <summary>Compares two descriptions by their component sets.</summary>
    public static bool operator !=(QueryDescription left, QueryDescription right) => !left.Equals(right);

    /// <inheritdoc />
    public override readonly string ToString() => $"Query(All:{All}, Any:{Any}, None:{None}, Exclusive:{Exclusive})";
}
