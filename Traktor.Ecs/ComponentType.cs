using System.Runtime.CompilerServices;

namespace Traktor.Ecs;

/// <summary>
/// Identifies a component type inside every world of the process: a dense id (used as a bit in
/// archetype masks), the CLR type and the element size. Obtain one through <see cref="Component{T}"/>.
/// </summary>
public readonly struct ComponentType : IEquatable<ComponentType>
{
    internal ComponentType(int id, Type type, int byteSize, bool containsReferences, Func<int, Array> createColumn)
    {
        Id = id;
        Type = type;
        ByteSize = byteSize;
        ContainsReferences = containsReferences;
        CreateColumn = createColumn;
    }

    /// <summary>The dense process-wide id of this component type.</summary>
    public int Id { get; }

    /// <summary>The component's CLR type.</summary>
    public Type Type { get; }

    /// <summary>The size of one component value in bytes.</summary>
    public int ByteSize { get; }

    /// <summary>True when the component holds managed references, so removed slots must be cleared.</summary>
    internal bool ContainsReferences { get; }

    /// <summary>Creates a typed column array (<c>T[]</c>) without reflection.</summary>
    internal Func<int, Array> CreateColumn { get; }

    /// <inheritdoc />
    public bool Equals(ComponentType other) => Id == other.Id;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ComponentType other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Id;

    /// <summary>Compares two component types by id.</summary>
    public static bool operator ==(ComponentType left, ComponentType right) => left.Equals(right);

    /// <summary>Compares two component types by id.</summary>
    public static bool operator !=(ComponentType left, ComponentType right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => $"{Type.Name}#{Id}";

    internal static ComponentType Create<T>(int id) => new(
        id,
        typeof(T),
        Unsafe.SizeOf<T>(),
        RuntimeHelpers.IsReferenceOrContainsReferences<T>(),
        static capacity => new T[capacity]);
}
