using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Traktor.Ecs;

/// <summary>
/// A block of entities of one archetype, stored as one array per component (~16 KiB in all).
/// Entities fill a chunk densely from index 0 to <see cref="Count"/> - 1. Each component column
/// keeps the world version at which it was last written, so readers can skip unchanged chunks.
/// </summary>
public partial struct Chunk
{
    private readonly Archetype archetype;
    private readonly Entity[] entities;
    private readonly Array[] columns;
    private readonly uint[] versions;

    internal Chunk(Archetype archetype, int capacity)
    {
        this.archetype = archetype;
        entities = new Entity[capacity];
        var types = archetype.Types;
        columns = new Array[types.Length];
        versions = new uint[types.Length];
        for (int i = 0; i < types.Length; i++)
        {
            columns[i] = types[i].Columns.Create(capacity);
        }
    }

    /// <summary>The number of live entities in this chunk.</summary>
    public int Count { get; internal set; }

    /// <summary>Arch's name for <see cref="Count"/>: the number of live entities in this chunk.</summary>
    public readonly int Size => Count;

    /// <summary>How many entities fit in this chunk.</summary>
    public readonly int Capacity => entities.Length;

    /// <summary>The archetype this chunk belongs to.</summary>
    public readonly Archetype Archetype => archetype;

    /// <summary>
    /// The live entities, exactly <see cref="Count"/> of them, in storage order. Where Arch has an <c>Entity[]</c>: it
    /// converts to one (the whole storage array, as Arch's) and to a span, so Arch code compiles (<see cref="ChunkEntities"/>).
    /// </summary>
    public readonly ChunkEntities Entities => new(entities, Count);

    internal readonly bool IsAllocated => entities is not null;

    internal readonly Entity[] EntityArray => entities;

    internal readonly Array[] Columns => columns;

    /// <summary>True when this chunk's archetype has component <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The component type.</typeparam>
    public readonly bool Has<T>() => archetype.ColumnOf(Component<T>.Id) >= 0;

    /// <summary>
    /// The live values of component <typeparamref name="T"/> (exactly <see cref="Count"/> items),
    /// writable. Marks the column changed at the world's current version.
    /// </summary>
    /// <typeparam name="T">A component of this chunk's archetype.</typeparam>
    /// <exception cref="ComponentNotFoundException">The archetype has no such component.</exception>
    public readonly Span<T> GetSpan<T>()
    {
        int column = RequireColumn<T>("Chunk.GetSpan");
        versions[column] = archetype.World.ChangeVersion;
        return new Span<T>(Unsafe.As<T[]>(columns[column]), 0, Count);
    }

    /// <summary>
    /// The whole column array of component <typeparamref name="T"/> (its length is <see cref="Capacity"/>;
    /// only the first <see cref="Count"/> items are live). Marks the column changed, like <see cref="GetSpan{T}"/>.
    /// </summary>
    /// <typeparam name="T">A component of this chunk's archetype.</typeparam>
    /// <exception cref="ComponentNotFoundException">The archetype has no such component.</exception>
    public readonly T[] GetArray<T>()
    {
        int column = RequireColumn<T>("Chunk.GetArray");
        versions[column] = archetype.World.ChangeVersion;
        return Unsafe.As<T[]>(columns[column]);
    }

    /// <summary>A reference to the first <typeparamref name="T"/> of the column; marks the column changed.</summary>
    /// <typeparam name="T">A component of this chunk's archetype.</typeparam>
    /// <exception cref="ComponentNotFoundException">The archetype has no such component.</exception>
    public readonly ref T GetFirst<T>()
    {
        int column = RequireColumn<T>("Chunk.GetFirst");
        return ref FirstForWrite<T>(column, archetype.World.ChangeVersion);
    }

    /// <summary>The <typeparamref name="T"/> of the entity at <paramref name="index"/>, by reference; marks the column changed.</summary>
    /// <typeparam name="T">A component of this chunk's archetype.</typeparam>
    /// <param name="index">A row below <see cref="Count"/>.</param>
    /// <exception cref="ComponentNotFoundException">The archetype has no such component.</exception>
    public readonly ref T Get<T>(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        int column = RequireColumn<T>("Chunk.Get");
        versions[column] = archetype.World.ChangeVersion;
        return ref ElementAt<T>(column, index);
    }

    /// <summary>The entity at <paramref name="index"/>.</summary>
    /// <param name="index">A row below <see cref="Count"/>.</param>
    public readonly Entity GetEntity(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return entities[index];
    }

    /// <summary>
    /// Arch's name for the entity at <paramref name="index"/>, by reference, so Arch's chunk loop
    /// <c>ref var first = ref chunk.Entity(0); … Unsafe.Add(ref first, i)</c> compiles. Read it; writing a handle
    /// here corrupts the world's bookkeeping (as in Arch).
    /// </summary>
    /// <param name="index">A row below <see cref="Capacity"/> (rows from <see cref="Count"/> on hold no live entity).</param>
    /// <returns>A reference to the entity handle stored at that row.</returns>
    public readonly ref Entity Entity(int index) => ref entities[index];

    /// <summary>Writes <paramref name="component"/> to the entity at <paramref name="index"/> (Arch's <c>Chunk.Set</c>); marks the column changed.</summary>
    /// <typeparam name="T">A component of this chunk's archetype.</typeparam>
    /// <param name="index">A row below <see cref="Count"/>.</param>
    /// <param name="component">The value.</param>
    /// <exception cref="ComponentNotFoundException">The archetype has no such component.</exception>
    public readonly void Set<T>(int index, in T component) => Get<T>(index) = component;

    /// <summary>The <typeparamref name="T"/> <paramref name="index"/> items after <paramref name="first"/> (Arch's <c>Chunk.Get(ref first, index)</c>).</summary>
    /// <typeparam name="T">The component type.</typeparam>
    /// <param name="first">A reference from <see cref="GetFirst{T}"/>.</param>
    /// <param name="index">A row below <see cref="Count"/>.</param>
    /// <returns>A reference to that row's value.</returns>
    public readonly ref T Get<T>(ref T first, int index) => ref Unsafe.Add(ref first, index);

    /// <summary>
    /// The live rows' indices, from <see cref="Count"/> - 1 down to 0 as Arch's <c>foreach (var index in chunk)</c>
    /// gives them, so a loop may destroy or move the entity at the current row through a <see cref="CommandBuffer"/>
    /// without skipping one.
    /// </summary>
    /// <returns>An enumerator over the row indices; it allocates nothing.</returns>
    public readonly ChunkRowEnumerator GetEnumerator() => new(Count);

    /// <summary>True when this chunk's archetype has the component type.</summary>
    /// <param name="type">A component type.</param>
    public readonly bool Has(ComponentType type) => archetype.ColumnOf(type.Id) >= 0;

    /// <summary>The boxed component of the entity at <paramref name="index"/> (Arch's non-generic <c>Chunk.Get</c>); does not mark a change.</summary>
    /// <param name="index">A row below <see cref="Count"/>.</param>
    /// <param name="type">A component type of this chunk's archetype (a <see cref="Type"/> converts implicitly).</param>
    /// <returns>A copy of the value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a live row.</exception>
    /// <exception cref="ComponentNotFoundException">The archetype has no such component.</exception>
    public readonly object? Get(int index, ComponentType type)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return columns[RequireColumn(type, "Chunk.Get")].GetValue(index);
    }

    /// <summary>Writes a boxed component to the entity at <paramref name="index"/> (Arch's non-generic <c>Chunk.Set</c>); marks the column changed.</summary>
    /// <param name="index">A row below <see cref="Count"/>.</param>
    /// <param name="component">A value of one of this chunk's component types.</param>
    /// <exception cref="ArgumentNullException"><paramref name="component"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a live row.</exception>
    /// <exception cref="ComponentNotFoundException">The archetype has no component of that type.</exception>
    public readonly void Set(int index, object component)
    {
        ArgumentNullException.ThrowIfNull(component);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        int column = RequireColumn(ComponentRegistry.GetOrRegister(component.GetType()), "Chunk.Set");
        versions[column] = archetype.World.ChangeVersion;
        columns[column].SetValue(component, index);
    }

    /// <summary>
    /// The whole column array of a component type (its length is <see cref="Capacity"/>; only the first
    /// <see cref="Count"/> items are live; Arch's non-generic <c>Chunk.GetArray</c>). Marks the column changed.
    /// </summary>
    /// <param name="type">A component type of this chunk's archetype.</param>
    /// <returns>The column, a <c>T[]</c> of the component type.</returns>
    /// <exception cref="ComponentNotFoundException">The archetype has no such component.</exception>
    public readonly Array GetArray(ComponentType type)
    {
        int column = RequireColumn(type, "Chunk.GetArray");
        versions[column] = archetype.World.ChangeVersion;
        return columns[column];
    }

    /// <summary>The live values of component <typeparamref name="T"/>, read-only; does not mark a change.</summary>
    /// <typeparam name="T">A component of this chunk's archetype.</typeparam>
    /// <exception cref="ComponentNotFoundException">The archetype has no such component.</exception>
    public readonly ReadOnlySpan<T> GetReadOnlySpan<T>()
    {
        int column = RequireColumn<T>("Chunk.GetReadOnlySpan");
        return new ReadOnlySpan<T>(Unsafe.As<T[]>(columns[column]), 0, Count);
    }

    /// <summary>The world version at which component <typeparamref name="T"/> was last written in this chunk.</summary>
    /// <typeparam name="T">A component of this chunk's archetype.</typeparam>
    public readonly uint GetChangeVersion<T>() => versions[RequireColumn<T>("Chunk.GetChangeVersion")];

    /// <summary>True when component <typeparamref name="T"/> was written after world version <paramref name="version"/>.</summary>
    /// <typeparam name="T">A component of this chunk's archetype.</typeparam>
    /// <param name="version">A version previously read from <see cref="World.ChangeVersion"/>.</param>
    public readonly bool HasChangedSince<T>(uint version) => GetChangeVersion<T>() > version;

    /// <summary>The world version at which a component column was last written, or 0 if the archetype lacks it.</summary>
    /// <param name="type">A component type.</param>
    public readonly uint GetChangeVersion(ComponentType type)
    {
        int column = archetype.ColumnOf(type.Id);
        return column < 0 ? 0 : versions[column];
    }

    internal readonly uint ColumnVersion(int column) => versions[column];

    /// <summary>A ref to the first element of a column, marking it written (the query hot path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal readonly ref T FirstForWrite<T>(int column, uint version)
    {
        versions[column] = version;
        return ref MemoryMarshal.GetArrayDataReference(Unsafe.As<T[]>(columns[column]));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal readonly ref T ElementAt<T>(int column, int row) => ref Unsafe.As<T[]>(columns[column])[row];

    internal readonly void MarkAllChanged(uint version) => versions.AsSpan().Fill(version);

    internal readonly void MarkChanged(int column, uint version) => versions[column] = version;

    private readonly int RequireColumn(ComponentType type, string operation)
    {
        int column = archetype.ColumnOf(type.Id);
        if (column < 0)
        {
            throw new ComponentNotFoundException(Traktor.Ecs.Entity.Null, type.Type, $"{operation}({type.Type.Name}) on archetype {archetype}");
        }

        return column;
    }

    private readonly int RequireColumn<T>(string operation)
    {
        int column = archetype.ColumnOf(Component<T>.Id);
        if (column < 0)
        {
            throw new ComponentNotFoundException(Traktor.Ecs.Entity.Null, typeof(T), $"{operation}<{typeof(T).Name}> on archetype {archetype}");
        }

        return column;
    }
}

/// <summary>The row indices of a <see cref="Chunk"/>, last to first (Arch's chunk enumerator): <c>foreach (var index in chunk)</c>.</summary>
public ref struct ChunkRowEnumerator
{
    private int index;

    internal ChunkRowEnumerator(int count) => index = count;

    /// <summary>The current row.</summary>
    public readonly int Current => index;

    /// <summary>Steps to the previous row.</summary>
    /// <returns>False once every row was visited.</returns>
    public bool MoveNext() => --index >= 0;
}
