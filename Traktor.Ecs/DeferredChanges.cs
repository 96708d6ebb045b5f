using System.Runtime.ExceptionServices;

namespace Traktor.Ecs;

/// <summary>
/// The structural changes requested while a query iterates, in the order requested. The world applies
/// them when its outermost query ends (<see cref="World.IsIterating"/> turns false). Values are kept in
/// typed columns, so recording and applying do not box; the arrays are reused from one query to the next.
/// </summary>
internal sealed class DeferredChanges
{
    private readonly RecordedValues recorded = new();
    private Change[] changes = new Change[32];
    private int count;

    /// <summary>True when nothing is waiting.</summary>
    public bool IsEmpty => count == 0;

    /// <summary>Materialize a reserved entity in the archetype for the given signature id and types.</summary>
    public void Create(Entity entity, int signatureId, ComponentType[] types) =>
        Append(new Change(ChangeKind.CreateBySignature, entity, null, signatureId, types, default));

    /// <summary>Materialize a reserved entity in the archetype of <paramref name="mask"/>.</summary>
    public void Create(Entity entity, BitSet mask) =>
        Append(new Change(ChangeKind.CreateByMask, entity, null, 0, mask, default));

    /// <summary>Free the storage of an entity whose handle was already made stale.</summary>
    public void Destroy(Entity entity) => Append(new Change(ChangeKind.Destroy, entity, null, 0, null, default));

    public void Add<T>(Entity entity, in T value)
    {
        var column = recorded.For<T>();
        Append(new Change(ChangeKind.Add, entity, column, column.Append(in value), null, default));
    }

    public void Set<T>(Entity entity, in T value)
    {
        var column = recorded.For<T>();
        Append(new Change(ChangeKind.Set, entity, column, column.Append(in value), null, default));
    }

    public void Remove<T>(Entity entity) => Append(new Change(ChangeKind.Remove, entity, recorded.For<T>(), 0, null, default));

    /// <summary>Non-generic add of a default value.</summary>
    public void AddDefault(Entity entity, ComponentType type) =>
        Append(new Change(ChangeKind.AddDefault, entity, null, 0, null, type));

    /// <summary>Non-generic add of a boxed value.</summary>
    public void AddBoxed(Entity entity, object value) =>
        Append(new Change(ChangeKind.AddBoxed, entity, null, 0, value, default));

    /// <summary>Non-generic set of a boxed value.</summary>
    public void SetBoxed(Entity entity, object value) =>
        Append(new Change(ChangeKind.SetBoxed, entity, null, 0, value, default));

    /// <summary>Non-generic remove.</summary>
    public void RemoveType(Entity entity, ComponentType type) =>
        Append(new Change(ChangeKind.RemoveType, entity, null, 0, null, type));

    /// <summary>
    /// Applies every change in order and forgets them. A change that fails does not stop the rest (the
    /// world stays consistent: every reserved entity is materialized or released); the first failure is
    /// rethrown at the end.
    /// </summary>
    public void Apply(World world)
    {
        ExceptionDispatchInfo? firstFailure = null;
        try
        {
            for (int i = 0; i < count; i++)
            {
                ref var change = ref changes[i];
                try
                {
                    ApplyOne(world, in change);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    if (change.Kind is ChangeKind.CreateByMask or ChangeKind.CreateBySignature)
                    {
                        world.ReleaseReserved(change.Entity);
                    }

                    firstFailure ??= ExceptionDispatchInfo.Capture(ex);
                }
            }
        }
        finally
        {
            Clear();
        }

        firstFailure?.Throw();
    }

    /// <summary>Forgets every change without applying it (the world is being disposed).</summary>
    public void Clear()
    {
        Array.Clear(changes, 0, count);
        count = 0;
        recorded.Clear();
    }

    private static void ApplyOne(World world, in Change change)
    {
        switch (change.Kind)
        {
            case ChangeKind.CreateBySignature:
                world.MaterializeReserved(change.Entity, change.Index, (ComponentType[])change.Payload!);
                return;
            case ChangeKind.CreateByMask:
                world.MaterializeReserved(change.Entity, (BitSet)change.Payload!);
                return;
            case ChangeKind.Destroy:
                world.FreeStorage(change.Entity.Id);
                return;
        }

        // Only a destroy requested later in the same query makes a handle stale before this point;
        // the change would be undone by that destroy, so it is dropped.
        if (!world.IsAlive(change.Entity))
        {
            return;
        }

        switch (change.Kind)
        {
            case ChangeKind.Add:
                change.Column!.Add(world, change.Entity, change.Index);
                break;
            case ChangeKind.Set:
                change.Column!.Set(world, change.Entity, change.Index);
                break;
            case ChangeKind.Remove:
                change.Column!.Remove(world, change.Entity);
                break;
            case ChangeKind.AddDefault:
                world.AddRange(change.Entity, change.Type);
                break;
            case ChangeKind.AddBoxed:
                world.Add(change.Entity, change.Payload!);
                break;
            case ChangeKind.SetBoxed:
                world.Set(change.Entity, change.Payload!);
                break;
            case ChangeKind.RemoveType:
                world.Remove(change.Entity, change.Type);
                break;
        }
    }

    private void Append(in Change change)
    {
        if (count == changes.Length)
        {
            Array.Resize(ref changes, changes.Length * 2);
        }

        changes[count++] = change;
    }


    private enum ChangeKind : byte
    {
        CreateBySignature,
        CreateByMask,
        Destroy,
        Add,
        Set,
        Remove,
        AddDefault,
        AddBoxed,
        SetBoxed,
        RemoveType,
    }

    private readonly record struct Change(ChangeKind Kind, Entity Entity, RecordedColumn? Column, int Index, object? Payload, ComponentType Type);
}
