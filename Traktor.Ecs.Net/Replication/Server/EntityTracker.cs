using System.Numerics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Replication.Server;

/// <summary>
/// What the server knows of each replicated entity, in arrays indexed by the entity's world id
/// (the "slot"): its network id, when it was last seen and last changed, which replicated types it
/// has, its owner and its position for relevancy. Entities are visited by slot, never by hashing.
/// </summary>
internal sealed class EntityTracker
{
    private int[] trackedIndex = [];

    public Entity[] Entities { get; private set; } = [];

    public uint[] NetIds { get; private set; } = [];

    public uint[] LastSeen { get; private set; } = [];

    public uint[] LastChange { get; private set; } = [];

    public ulong[] TypeMasks { get; private set; } = [];

    public ConnectionId[] Owners { get; private set; } = [];

    public bool[] HasOwner { get; private set; } = [];

    public Vector2[] Positions { get; private set; } = [];

    public bool[] HasPosition { get; private set; } = [];

    public float[] Importance { get; private set; } = [];

    public ushort[] SendInterval { get; private set; } = [];

    /// <summary>The slots currently replicated, densely.</summary>
    public List<int> Tracked { get; } = new();

    /// <summary>The number of slots the arrays hold.</summary>
    public int Capacity => NetIds.Length;

    public bool IsTracked(int slot) => slot < trackedIndex.Length && trackedIndex[slot] >= 0;

    public void EnsureCapacity(int slotCount)
    {
        if (slotCount <= NetIds.Length)
        {
            return;
        }

        int size = Math.Max(slotCount, Math.Max(64, NetIds.Length * 2));
        int old = trackedIndex.Length;
        Entities = ArrayGrowth.Resized(Entities, size);
        NetIds = ArrayGrowth.Resized(NetIds, size);
        LastSeen = ArrayGrowth.Resized(LastSeen, size);
        LastChange = ArrayGrowth.Resized(LastChange, size);
        TypeMasks = ArrayGrowth.Resized(TypeMasks, size);
        Owners = ArrayGrowth.Resized(Owners, size);
        HasOwner = ArrayGrowth.Resized(HasOwner, size);
        Positions = ArrayGrowth.Resized(Positions, size);
        HasPosition = ArrayGrowth.Resized(HasPosition, size);
        Importance = ArrayGrowth.Resized(Importance, size);
        SendInterval = ArrayGrowth.Resized(SendInterval, size);
        trackedIndex = ArrayGrowth.Resized(trackedIndex, size);
        Array.Fill(trackedIndex, -1, old, size - old);
    }

    public void Track(int slot, Entity entity, uint netId, uint tick)
    {
        Entities[slot] = entity;
        NetIds[slot] = netId;
        LastChange[slot] = tick;
        TypeMasks[slot] = 0;
        trackedIndex[slot] = Tracked.Count;
        Tracked.Add(slot);
    }

    public void Untrack(int slot)
    {
        int index = trackedIndex[slot];
        int last = Tracked[^1];
        Tracked[index] = last;
        trackedIndex[last] = index;
        Tracked.RemoveAt(Tracked.Count - 1);
        trackedIndex[slot] = -1;
        NetIds[slot] = 0;
        HasOwner[slot] = false;
        HasPosition[slot] = false;
    }
}
