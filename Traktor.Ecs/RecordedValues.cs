namespace Traktor.Ecs;

/// <summary>
/// Component values recorded for later (by <see cref="CommandBuffer"/> and by the world's deferred changes inside a
/// query), kept in one typed column per component type so recording and applying never box. Columns are kept between
/// recordings: <see cref="Clear"/> empties them without giving their arrays back.
/// </summary>
internal sealed class RecordedValues
{
    private readonly Dictionary<int, RecordedColumn> columns = new();

    /// <summary>The column of <typeparamref name="T"/>, made on first use.</summary>
    public RecordedColumn<T> For<T>()
    {
        int id = Component<T>.Id;
        if (!columns.TryGetValue(id, out var column))
        {
            column = new RecordedColumn<T>();
            columns.Add(id, column);
        }

        return (RecordedColumn<T>)column;
    }

    /// <summary>Forgets every recorded value (clearing references so they can be collected).</summary>
    public void Clear()
    {
        foreach (var column in columns.Values)
        {
            column.Clear();
        }
    }
}

/// <summary>The recorded values of one component type, applied to a world by index.</summary>
internal abstract class RecordedColumn
{
    /// <summary>Adds the value at <paramref name="index"/> to <paramref name="entity"/>.</summary>
    public abstract void Add(World world, Entity entity, int index);

    /// <summary>Sets the value at <paramref name="index"/> on <paramref name="entity"/>.</summary>
    public abstract void Set(World world, Entity entity, int index);

    /// <summary>Removes this column's component type from <paramref name="entity"/>.</summary>
    public abstract void Remove(World world, Entity entity);

    /// <summary>Forgets the recorded values.</summary>
    public abstract void Clear();
}

/// <summary>The recorded values of <typeparamref name="T"/>, in a growing array reused between recordings.</summary>
internal sealed class RecordedColumn<T> : RecordedColumn
{
    private T[] values = new T[8];
    private int count;

    /// <summary>Records <paramref name="value"/> and returns its index.</summary>
    public int Append(in T value)
    {
        if (count == values.Length)
        {
            Array.Resize(ref values, values.Length * 2);
        }

        values[count] = value;
        return count++;
    }

    /// <inheritdoc />
    public override void Add(World world, Entity entity, int index) => world.Add(entity, in values[index]);

    /// <inheritdoc />
    public override void Set(World world, Entity entity, int index) => world.Set(entity, in values[index]);

    /// <inheritdoc />
    public override void Remove(World world, Entity entity) => world.Remove<T>(entity);

    /// <inheritdoc />
    public override void Clear()
    {
        Array.Clear(values, 0, count);
        count = 0;
    }
}
