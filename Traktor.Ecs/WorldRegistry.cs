namespace Traktor.Ecs;

/// <summary>
/// Finds a live world by the id an <see cref="Entity"/> carries, so extension methods such as
/// <c>entity.Get&lt;T&gt;()</c> work as in Arch. This is the one piece of process-wide state in the ECS,
/// and it only holds worlds that are alive: <see cref="World.Dispose"/> removes its entry.
/// </summary>
/// <remarks>
/// An id is a slot (low 16 bits, reused after a world is destroyed) plus a generation (bits 16–30,
/// bumped on each reuse), so a handle from a destroyed world does not resolve to the world that took
/// its slot. Look-ups read an array without locking; registration locks.
/// </remarks>
internal static class WorldRegistry
{
    /// <summary>Worlds alive at once at most (slot 0 is never used, so world id 0 means "none").</summary>
    public const int MaxWorlds = ushort.MaxValue;

    private const int SlotBits = 16;
    private const int SlotMask = (1 << SlotBits) - 1;
    private const int GenerationMask = 0x7FFF;

    private static readonly object Gate = new();
    private static readonly Stack<int> FreeSlots = new();
    private static WeakReference<World>?[] worlds = new WeakReference<World>?[16];
    private static int[] generations = new int[16];
    private static int nextSlot = 1;

    /// <summary>Registers a world and returns its id.</summary>
    /// <exception cref="EcsException">More than <see cref="MaxWorlds"/> worlds are alive.</exception>
    public static int Register(World world)
    {
        lock (Gate)
        {
            int slot;
            if (FreeSlots.Count == 0 && nextSlot > MaxWorlds)
            {
                ReclaimCollected();
            }

            if (FreeSlots.Count > 0)
            {
                slot = FreeSlots.Pop();
            }
            else
            {
                if (nextSlot > MaxWorlds)
                {
                    throw new EcsException($"{MaxWorlds} worlds are alive at once; destroy worlds you no longer use.");
                }

                slot = nextSlot++;
                if (slot >= worlds.Length)
                {
                    var grown = new WeakReference<World>?[worlds.Length * 2];
                    Array.Copy(worlds, grown, worlds.Length);
                    Array.Resize(ref generations, grown.Length);
                    Volatile.Write(ref worlds, grown);
                }
            }

            int id = ((generations[slot] & GenerationMask) << SlotBits) | slot;
            Volatile.Write(ref worlds[slot], new WeakReference<World>(world));
            return id;
        }
    }

    /// <summary>Removes a world; its slot is reused with the next generation.</summary>
    public static void Unregister(int id)
    {
        lock (Gate)
        {
            int slot = id & SlotMask;
            if (TryGet(id) is null)
            {
                return;
            }

            Volatile.Write(ref worlds[slot], null);
            generations[slot]++;
            FreeSlots.Push(slot);
        }
    }

    /// <summary>The live world with this id, or null.</summary>
    public static World? TryGet(int id)
    {
        var snapshot = Volatile.Read(ref worlds);
        int slot = id & SlotMask;
        if (id <= 0 || slot >= snapshot.Length)
        {
            return null;
        }

        var entry = Volatile.Read(ref snapshot[slot]);
        return entry is not null && entry.TryGetTarget(out var world) && world.Id == id ? world : null;
    }

    /// <summary>Frees the slots of worlds that were collected without being disposed.</summary>
    private static void ReclaimCollected()
    {
        for (int slot = 1; slot < nextSlot; slot++)
        {
            if (worlds[slot] is { } entry && !entry.TryGetTarget(out _))
            {
                worlds[slot] = null;
                generations[slot]++;
                FreeSlots.Push(slot);
            }
        }
    }
}
