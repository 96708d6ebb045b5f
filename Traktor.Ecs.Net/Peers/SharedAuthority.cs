using System.Buffers.Binary;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net;

/// <summary>
/// Shared-authority mode for one <c>[Replicated]</c> component: every peer is authoritative for the entities it owns
/// (<see cref="SharedOwner"/>) and sends their state to the others over the <see cref="PeerMesh"/>; ownership is taken
/// with <see cref="RequestOwnership"/>. Each message is a write stamped with the writer's claim (version, peer) and a
/// sequence number; a peer keeps the claim that <see cref="SharedOwner.Outranks"/> every other it saw and the state of
/// the highest stamp (claim first, then sequence). Both are maxima over a total order, so every peer that received the
/// same writes, in any order and with any duplicates, holds the same owner and the same state: under loss and
/// reordering the reliable channel brings every write eventually, and the peers converge. Values travel quantized by
/// the component's generated serializer. Add it to each peer's group; it receives in BeforeUpdate and publishes the
/// owned entities that changed in AfterUpdate. Registered as a world resource.
/// </summary>
/// <typeparam name="T">The shared component.</typeparam>
/// <typeparam name="TSnapshot">Its generated quantized form.</typeparam>
/// <typeparam name="TSerializer">Its generated serializer.</typeparam>
public sealed partial class SharedAuthority<T, TSnapshot, TSerializer> : ISystem<float>
    where T : struct
    where TSnapshot : struct
    where TSerializer : struct, IComponentSerializer<T, TSnapshot>
{
    /// <summary>The message kind of a shared write (docs/PROTOCOL.md, "Shared authority").</summary>
    public const byte WriteMessage = 0x80;

    /// <summary>Kind, type id, creator, serial, claim version, claim peer, sequence.</summary>
    public const int HeaderBytes = 1 + 2 + 8 + 4 + 4 + 8 + 4;

    /// <summary>The message kind of a relayed claim (docs/PROTOCOL.md, "Shared authority": a peer passes on every claim of another it adopts).</summary>
    public const byte ClaimMessage = 0x81;

    /// <summary>Kind, type id, creator, serial, claim version, claim peer: the exact size of a relayed claim.</summary>
    public const int ClaimBytes = 1 + 2 + 8 + 4 + 4 + 8;

    /// <summary>Writes a link may have refused as malformed or forged before it is cut (<see cref="DisconnectReason.ProtocolViolation"/>).</summary>
    public const int MaxRefusedWrites = 16;

    /// <summary>
    /// How far a write's claim version may lie from the version this peer holds for the entity, either way: a write
    /// further off is refused (<see cref="ClaimJumps"/>). Honest claims step one version at a time, and a peer lags behind
    /// only the claims still in flight to it; the window keeps every version of an entity far inside the half of the
    /// range over which <see cref="SharedOwner.Outranks"/> is a total order, so no peer can jump a claim past the others.
    /// A claim ahead of the one held is measured from the newest version this peer relayed to the others, so what it adopts
    /// its relay carries inside their window too.
    /// </summary>
    public const uint MaxClaimStep = 1024;

    private readonly PeerMesh mesh;
    private readonly Dictionary<SharedId, Record> records = new();
    private readonly Dictionary<ulong, int> introduced = new();
    private readonly Dictionary<ulong, int> strikes = new();
    private readonly byte[] message;
    private readonly KeyValuePair<string, object?> peerTag;
    private uint spawned;

    /// <summary>Attaches shared authority for <typeparamref name="T"/> to a peer's world.</summary>
    /// <param name="world">The peer's world.</param>
    /// <param name="mesh">Its links to the other peers.</param>
    /// <param name="maxEntities">The most shared entities this peer holds: writes that would create more are refused (a hostile peer's budget).</param>
    /// <param name="maxEntitiesPerPeer">
    /// The most entities one linked peer may introduce here (its own and those it took over), so one peer cannot fill
    /// <paramref name="maxEntities"/> and starve the others; size it to what one player of the game can own. Null:
    /// a quarter of <paramref name="maxEntities"/> (1,024 of 4,096).
    /// </param>
    public SharedAuthority(World world, PeerMesh mesh, int maxEntities = 4096, int? maxEntitiesPerPeer = null)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntities, 1);
        int perPeer = maxEntitiesPerPeer ?? Math.Max(1, maxEntities / 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(perPeer, 1, nameof(maxEntitiesPerPeer));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(perPeer, maxEntities, nameof(maxEntitiesPerPeer));
        World = world;
        this.mesh = mesh;
        MaxEntities = maxEntities;
        MaxEntitiesPerPeer = perPeer;
        message = new byte[HeaderBytes + ((TSerializer.MaxFullBits + 7) / 8) + 8];
        peerTag = new(PeerMetrics.PeerTag, mesh.PeerId); // boxed once: counting allocates nothing
        mesh.Received += Receive;
        mesh.PeerConnected += Linked;
        mesh.PeerDisconnected += Departed;
        world.Resources.Add(this);
    }

    /// <summary>The peer's world.</summary>
    public World World { get; }

    /// <summary>This peer's id.</summary>
    public ulong PeerId => mesh.PeerId;

    /// <summary>The most shared entities this peer holds.</summary>
    public int MaxEntities { get; }

    /// <summary>The most shared entities one linked peer may introduce here; its writes for more are refused (<see cref="OverBudget"/>).</summary>
    public int MaxEntitiesPerPeer { get; }

    /// <summary>Shared entities held.</summary>
    public int Count => records.Count;

    /// <summary>Writes of other peers applied (state or claim).</summary>
    public long Applied { get; private set; }

    /// <summary>Times this peer lost an entity it owned (or had claimed) to a claim that outranked its own.</summary>
    public long ClaimsLost { get; private set; }

    /// <summary>
    /// Writes refused: malformed, naming an owner other than the sender, or over a budget (<see cref="OverBudget"/>).
    /// Writes of another component type are another instance's, not refused here.
    /// </summary>
    public long Refused { get; private set; }

    /// <summary>
    /// Of <see cref="Refused"/>, writes whose claim version lay more than <see cref="MaxClaimStep"/> from the one held (a
    /// hostile peer's jump towards a version nobody else could reach). Not held against the sender. The first write for
    /// an entity from a peer on a new link is not checked (a re-base: the claim may have moved any distance while the
    /// link was down), for up to <see cref="MaxEntitiesPerPeer"/> entities per link.
    /// </summary>
    public long ClaimJumps { get; private set; }

    /// <summary>
    /// Of <see cref="Refused"/>, writes for an entity this peer does not hold that would have gone over
    /// <see cref="MaxEntities"/> or the sender's <see cref="MaxEntitiesPerPeer"/>. Not held against the sender (an honest
    /// peer owning more than the budget sends them too); the others are: <see cref="MaxRefusedWrites"/> cut the link.
    /// </summary>
    public long OverBudget { get; private set; }

    /// <summary>
    /// Links cut with <see cref="DisconnectReason.ProtocolViolation"/> because their peer sent <see cref="MaxRefusedWrites"/>
    /// malformed or forged writes: the link it sent the last one on, and every later link of that peer as soon as it is up
    /// (the count is kept by peer id for the session, not by link).
    /// </summary>
    public long PeersCut { get; private set; }

    /// <summary>
    /// Claims of other peers this peer adopted and passed on to every linked peer (<see cref="ClaimMessage"/>), so a claim
    /// one peer was told of reaches them all: a peer cannot make one honest peer alone take it for an entity's owner.
    /// </summary>
    public long ClaimsRelayed { get; private set; }

    /// <summary>Entities this peer claimed because their owner left or died (see <see cref="SessionHost"/>).</summary>
    public long Inherited { get; private set; }

    /// <summary>
    /// The peer holding session authority: the lowest id among this peer and the peers linked to it now. When it leaves
    /// or dies the survivors' links to it time out and each computes the same successor, the lowest surviving id.
    /// </summary>
    public ulong SessionHost
    {
        get
        {
            ulong lowest = PeerId;
            foreach (ulong peer in mesh.LinkedPeers) lowest = Math.Min(lowest, peer);
            return lowest;
        }
    }

    /// <summary>Spawns a shared entity owned by this peer (claim version 1); the others get it with its first write.</summary>
    /// <param name="value">Its state.</param>
    /// <returns>The entity in this world.</returns>
    /// <exception cref="InvalidOperationException"><see cref="MaxEntities"/> are held already.</exception>
    public Entity Spawn(in T value)
    {
        if (records.Count >= MaxEntities) throw new InvalidOperationException($"This peer holds {MaxEntities} shared entities already.");
        // A serial another peer already introduced under this peer's name (a hostile peer can name any creator in a
        // claim) is skipped, so a spawn never collides with an entity this peer holds.
        SharedId id;
        do
        {
            id = new SharedId(PeerId, ++spawned);
        }
        while (records.ContainsKey(id) || tombstones.ContainsKey(id));

        var owner = new SharedOwner(PeerId, 1);
        var entity = World.Create(id, owner, value);
        records.Add(id, new Record { Entity = entity, Owner = owner, StateVersion = 1, StatePeer = PeerId, Dirty = true, Relayed = 1 });
        return entity;
    }

    /// <summary>
    /// Claims <paramref name="entity"/> for this peer at one version above the claim in force here (1 after
    /// <see cref="uint.MaxValue"/>: versions compare as serial numbers, so there is no highest one). This peer owns it at
    /// once (and writes it from now on) unless a claim that outranks this one arrives; then every peer, this one
    /// included, settles on that one.
    /// </summary>
    /// <param name="entity">A shared entity of this world.</param>
    /// <returns>False when it is not a shared entity of this peer's.</returns>
    public bool RequestOwnership(Entity entity)
    {
        if (!World.IsAlive(entity) || !World.TryGet<SharedId>(entity, out var id) || !records.TryGetValue(id, out var record)) return false;
        if (record.Owner.Peer == PeerId) return true;
        var claim = new SharedOwner(PeerId, record.Owner.NextVersion);
        record.Owner = claim;
        World.Set(entity, claim);
        record.StateVersion = claim.Version;
        record.StatePeer = PeerId;
        record.StateSeq = 0;
        record.Dirty = true; // the claim leaves with this peer's copy of the state, which becomes the state of record
        return true;
    }

    /// <summary>True when this peer owns <paramref name="entity"/> as far as it knows now.</summary>
    /// <param name="entity">An entity of this world.</param>
    public bool IsOwner(Entity entity) => World.TryGet<SharedOwner>(entity, out var owner) && owner.Peer == PeerId;

    /// <summary>The entity of <paramref name="id"/> in this world.</summary>
    /// <param name="id">A shared id.</param>
    /// <param name="entity">Its entity.</param>
    /// <returns>False when this peer does not hold it.</returns>
    public bool TryGetEntity(SharedId id, out Entity entity)
    {
        entity = records.TryGetValue(id, out var record) ? record.Entity : Entity.Null;
        return record is not null;
    }

    /// <inheritdoc />
    public void Initialize()
    {
    }

    /// <summary>Receives the other peers' writes.</summary>
    /// <param name="state">The frame's delta time.</param>
    public void BeforeUpdate(in float state) => mesh.Receive();

    /// <inheritdoc />
    public void Update(in float state)
    {
    }

    /// <summary>Publishes the owned entities whose quantized state changed (and claims not yet sent), then sends.</summary>
    /// <param name="state">The frame's delta time.</param>
    public void AfterUpdate(in float state)
    {
        foreach (var (id, record) in records)
        {
            if (record.Owner.Peer != PeerId)
            {
                if (record.Relay) RelayClaim(id, record);
                continue;
            }

            if (!World.IsAlive(record.Entity)) continue;
            TSerializer.Quantize(in World.Get<T>(record.Entity), out var snapshot);
            if (!record.Dirty && record.HasSent && TSerializer.SnapshotEquals(in snapshot, in record.LastSent)) continue;
            int length = Write(id, record.Owner, record.StateSeq + 1, in snapshot);
            if (length < 0 || !mesh.Broadcast(ChannelKind.ReliableOrdered, message.AsSpan(0, length)))
            {
                record.Dirty = true; // a full link queue: try again next tick (duplicates are harmless)
                continue;
            }

            record.StateVersion = record.Owner.Version;
            record.StatePeer = PeerId;
            record.StateSeq++;
            record.LastSent = snapshot;
            record.HasSent = true;
            record.Dirty = false;
            record.Relay = false; // the write carries the claim to every peer
            record.Relayed = record.Owner.Version;
        }

        SendDestroys();
        if (joined.Count > 0) SendCopies();
        ExpireTombstones();
        mesh.Flush();
    }

    /// <inheritdoc />
    public void Dispose() => World.Resources.Remove<SharedAuthority<T, TSnapshot, TSerializer>>();

    private int Write(SharedId id, SharedOwner owner, uint sequence, in TSnapshot snapshot)
    {
        var m = message.AsSpan();
        WriteClaimHeader(m, WriteMessage, id, owner);
        BinaryPrimitives.WriteUInt32LittleEndian(m[ClaimBytes..], sequence);
        var writer = new BitWriter(m[HeaderBytes..]);
        TSerializer.WriteFull(ref writer, in snapshot);
        return writer.IsOverflowed ? -1 : HeaderBytes + writer.BytesWritten;
    }

    /// <summary>A malformed or forged write: refused, and the link is cut at <see cref="MaxRefusedWrites"/> (honest peers send none).</summary>
    private void Strike(ulong from)
    {
        CountRefused("malformed");
        strikes.TryGetValue(from, out int count);
        strikes[from] = ++count;
        if (count < MaxRefusedWrites) return;
        CountCut();
        mesh.Disconnect(from, DisconnectReason.ProtocolViolation);
    }

    private void CountApplied()
    {
        Applied++;
        PeerMetrics.WritesApplied.Add(1, peerTag);
    }

    private void CountRefused(string reason)
    {
        Refused++;
        PeerMetrics.WritesRefused.Add(1, peerTag, new KeyValuePair<string, object?>(PeerMetrics.ReasonTag, reason));
    }

    private void CountCut()
    {
        PeersCut++;
        PeerMetrics.PeersCut.Add(1, peerTag);
    }
}
