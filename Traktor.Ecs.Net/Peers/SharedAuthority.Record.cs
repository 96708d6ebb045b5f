namespace Traktor.Ecs.Net;

// What this peer holds for one shared entity.
public sealed partial class SharedAuthority<T, TSnapshot, TSerializer>
{
    private sealed class Record
    {
        public Entity Entity;
        public SharedOwner Owner;
        public uint StateVersion;
        public ulong StatePeer;
        public uint StateSeq;
        public TSnapshot LastSent;
        public bool HasSent;
        public bool Dirty;

        /// <summary>The claim in force is another peer's, adopted here and not yet passed on to every linked peer.</summary>
        public bool Relay;

        /// <summary>The newest claim version this peer has told every linked peer of (by its own write or a relay).</summary>
        public uint Relayed;

        /// <summary>A far claim one link re-based the entity to while this peer stayed linked to others: adopted once a second link says the same.</summary>
        public SharedOwner Pending;

        /// <summary>The peer whose link brought <see cref="Pending"/>.</summary>
        public ulong PendingFrom;

        /// <summary>The linked peer whose write introduced the entity here (its share, <see cref="MaxEntitiesPerPeer"/>, counts it); 0 for this peer's own.</summary>
        public ulong IntroducedBy;
    }
}
