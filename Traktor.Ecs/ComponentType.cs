using System.Runtime.CompilerServices;

namespace Traktor.Ecs;

/// <summary>
/// Identifies a component type inside every world of the process: a dense id (used as a bit in
/// archetype masks), the CLR type and the element size. Obtain one through <see cref="Component{T}"/>,
/// or convert a <see cref="System.Type"/> implicitly as in Arch: <c>ComponentType[] group = [typeof(A), typeof(B)];</c>
/// </summary>
public readonly struct ComponentType : IEquatable<ComponentType>
{
    internal ComponentType(int id, Type type, int byteSize, bool containsReferences, ColumnOps columns)
    {
        Id = id;
        Type = type;
        ByteSize = byteSize;
        ContainsReferences = containsReferences;
        Columns = columns;
        DescribesComponentTypes = IsTypeDescriptor(type);
    }

    /// <summary>The dense process-wide id of this component type.</summary>
    public int Id { get; }

    /// <summary>The component's CLR type.</summary>
    public Type Type { get; }

    /// <summary>The size of one component value in bytes.</summary>
    public int ByteSize { get; }

    /// <summary>True when the component is a value type (a struct), as Arch's <c>ComponentType.IsValueType</c>.</summary>
    public bool IsValueType => Type.IsValueType;

    /// <summary>True when the component has no fields (a tag): Arch's <c>ZeroSized</c>. A C# empty struct still occupies 1 byte.</summary>
    public bool ZeroSized => Type.IsValueType && ByteSize <= 1 && Type.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic).Length == 0;

    /// <summary>
    /// True when the component is a class or a struct holding managed references (Arch's <c>IsManaged</c>): such
    /// a value cannot be pinned, and removed slots are cleared so the collector does not keep what they pointed at.
    /// </summary>
    public bool IsManaged => ContainsReferences;

    /// <summary>True when the component holds managed references, so removed slots must be cleared.</summary>
    internal bool ContainsReferences { get; }

    /// <summary>Creates, copies and clears typed column arrays (<c>T[]</c>) without reflection.</summary>
    internal ColumnOps Columns { get; }

    /// <summary>True for types that describe component types (Type, ComponentType, lists of them…): never valid components.</summary>
    internal bool DescribesComponentTypes { get; }

    /// <summary>The component type of a CLR type, registering it on first use (Arch's implicit conversion).</summary>
    /// <param name="type">A component's CLR type: a closed, non-ref-struct type.</param>
    /// <exception cref="ArgumentException">The type cannot be a component (open generic, by-ref, pointer, ref struct).</exception>
    public static implicit operator ComponentType(Type type) => ComponentRegistry.GetOrRegister(type);

    /// <summary>The component's CLR type (Arch's implicit conversion back), so a component type passes where a <see cref="System.Type"/> is asked for.</summary>
    /// <param name="componentType">A component type from the registry.</param>
    public static implicit operator Type(ComponentType componentType) => componentType.Type;

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

    /// <summary>
    /// True when the component type is that CLR type. With the implicit conversions both ways, <c>componentType ==
    /// typeof(T)</c> would otherwise be ambiguous between comparing types and comparing component types.
    /// </summary>
    public static bool operator ==(ComponentType left, Type? right) => left.Type == right;

    /// <summary>True when the component type is not that CLR type.</summary>
    public static bool operator !=(ComponentType left, Type? right) => !(left == right);

    /// <summary>True when the CLR type is that component type's.</summary>
    public static bool operator ==(Type? left, ComponentType right) => right == left;

    /// <summary>True when the CLR type is not that component type's.</summary>
    public static bool operator !=(Type? left, ComponentType right) => !(right == left);

    /// <inheritdoc />
    public override string ToString() => $"{Type.Name}#{Id}";

    private static bool IsTypeDescriptor(Type type) =>
        type == typeof(ComponentType) || typeof(Type).IsAssignableFrom(type) || type == typeof(Signature) ||
        type == typeof(ComponentSet) || type == typeof(QueryDescription) ||
        typeof(IEnumerable<ComponentType>).IsAssignableFrom(type) || typeof(IEnumerable<Type>).IsAssignableFrom(type);

    internal static ComponentType Create<T>(int id) => new(
        id,
        typeof(T),
        Unsafe.SizeOf<T>(),
        RuntimeHelpers.IsReferenceOrContainsReferences<T>(),
        ColumnOps<T>.Instance);
}
