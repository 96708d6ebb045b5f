namespace Traktor.Ecs;

/// <summary>
/// Finds a live world by the id an <see cref="Entity"/> carries, so extension methods such as
/// <c>entity.Get&lt;T&gt;()</c> work as in Arch, and hands out world ids as Arch does: from 0, the lowest
/// free id first, so a destroyed world's id goes to the next world. This is the one piece of
/// process-wide state in the ECS, and it only holds worlds that are alive: <see cref="World.Dispose"/>
/// removes its entry.
/// </summary>
/// <remarks>
/// Each reuse of an id bumps its generation (<see cref="WorldKeys"/>); the handles a world issues carry
/// it, so a handle kept from a destroyed world does not resolve to the world that took over its id.
/// Look-ups read an array without locking; registration locks.
/// </remarks>
internal static class WorldRegistry
{
    /// <summary>Worlds alive at once at most (ids 0 to <c>MaxWorlds - 1</c>).</summary>
    public const int MaxWorlds = WorldKeys.SlotMask;

    private static readonly object Gate = new();
    private static readonly SortedSet<int> FreeIds = new();
    private static WeakReference<World>?[] worlds = new WeakReference<World>?[16];
    private static int[] generations = new int[16];
    private static int nextId;

    /// <summary>Registers a world and returns its key (<see cref="WorldKeys"/>).</summary>
    /// <exception cref="EcsException">More than <see cref="MaxWorlds"/> worlds are alive.</exception>
    public static int Register(World world)
    {
        lock (Gate)
        {
            if (FreeIds.Count == 0 && nextId >= MaxWorlds)
            {
                ReclaimCollected();
            }

            int id;
            if (FreeIds.Count > 0)
            {
                id = FreeIds.Min;
                FreeIds.Remove(id);
            }
            else
            {
                if (nextId >= MaxWorlds)
                {
                    throw new EcsException($"{MaxWorlds} worlds are alive at once; destroy worlds you no longer use.");
                }

                id = nextId++;
                if (id >= worlds.Length)
                {
                    var grown = new WeakReference<World>?[worlds.Length * 2];
                    Array.Copy(worlds, grown, worlds.Length);
                    Array.Resize(ref generations, grown.Length);
                    Volatile.Write(ref worlds, grown);
                }
            }

            generations[id] = generations[id] % WorldKeys.MaxGeneration + 1;
            Volatile.Write(ref worlds[id], new WeakReference<World>(world));
            return WorldKeys.Make(id, generations[id]);
        }
    }

    /// <summary>Removes a world; its id goes to a later world (with the next generation).</summary>
    public static void Unregister(int key)
    {
        lock (Gate)
        {
            if (TryGet(key) is null)
            {
                return;
            }

            int id = WorldKeys.WorldId(key);
            Volatile.Write(ref worlds[id], null);
            FreeIds.Add(id);
        }
    }

    /// <summary>Worlds registered and not yet destroyed (a world collected without <see cref="World.Dispose"/> counts until its id is reclaimed).</summary>
    public static int Count
    {
        get
        {
            lock (Gate)
            {
                return nextId - FreeIds.Count;
            }
        }
    }

    /// <summary>
    /// The live world a handle's key names (see <see cref="WorldKeys.Matches"/>), or null: none for key 0,
    /// none for a key from a destroyed world whose id was reused.
    /// </summary>
    public static World? TryGet(int key)
    {
        var snapshot = Volatile.Read(ref worlds);
        int id = WorldKeys.WorldId(key);
        if ((uint)id >= (uint)snapshot.Length)
        {
            return null;
        }

        var entry = Volatile.Read(ref snapshot[id]);
        return entry is not null && entry.TryGetTarget(out var world) && WorldKeys.Matches(key, world.Key) ? world : null;
    }

    /// <summary>Frees the ids of worlds that were collected without being disposed.</summary>
    private static void ReclaimCollected()
    {
        for (int id = 0; id < nextId; id++)
        {
            if (worlds[id] is { } entry && !entry.TryGetTarget(out _))
            {
                worlds[id] = null;
                FreeIds.Add(id);
            }
        }
    }
}
