using System.Runtime.CompilerServices;

namespace Traktor.Ecs;

/// <summary>
/// Typed operations on one component type's columns (<c>T[]</c> arrays held as <see cref="Array"/>).
/// Moving a row element by element through the non-generic <see cref="Array.Copy(Array, int, Array, int, int)"/>
/// checks types on every call and cost most of a destroy or an add/remove; a virtual call into the typed
/// copy does not.
/// </summary>
internal abstract class ColumnOps
{
    /// <summary>A new column holding <paramref name="capacity"/> elements.</summary>
    public abstract Array Create(int capacity);

    /// <summary>Copies one element between two columns of this type.</summary>
    public abstract void Copy(Array from, int fromIndex, Array to, int toIndex);

    /// <summary>Sets one element to its default value.</summary>
    public abstract void Clear(Array column, int index);
}

/// <summary>The column operations of component type <typeparamref name="T"/>.</summary>
/// <remarks>
/// Every column of a <typeparamref name="T"/> component is created by <see cref="Create"/>, so the
/// arrays passed in are <c>T[]</c> and the unchecked casts are sound; indexing stays bounds-checked.
/// </remarks>
internal sealed class ColumnOps<T> : ColumnOps
{
    public static readonly ColumnOps<T> Instance = new();

    public override Array Create(int capacity) => new T[capacity];

    public override void Copy(Array from, int fromIndex, Array to, int toIndex) =>
        Unsafe.As<T[]>(to)[toIndex] = Unsafe.As<T[]>(from)[fromIndex];

    public override void Clear(Array column, int index) => Unsafe.As<T[]>(column)[index] = default!;
}
