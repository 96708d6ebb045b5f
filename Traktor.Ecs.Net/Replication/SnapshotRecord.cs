namespace Traktor.Ecs.Net.Replication;

/// <summary>
/// One entity inside one snapshot packet: which entity, whether it is sent in full (a spawn, or no
/// acknowledged baseline) or as a delta against up to three baselines, and which replicated types it
/// carries (bit <c>i</c> = registry type <c>i</c>). On the server <see cref="Slot"/> is the entity's
/// tracker slot; on the client it is the client store slot. <see cref="Member"/>: the entity was in the snapshot the
/// entity list is coded against (its reference), filled in by the entity-list coder. <see cref="StateIndex"/> is the
/// server's only: where the connection keeps the slot's state (<c>SlotStates.At</c>), so it is looked up once a tick.
/// </summary>
internal struct SnapshotRecord
{
    public int Slot;
    public uint NetId;
    public bool Full;
    public bool Member;
    public byte BaselineCount;
    public uint Baseline0;
    public uint Baseline1;
    public uint Baseline2;
    public ulong TypeMask;
    public int StateIndex;
}
