using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

// The linked peers without allocating: SharedAuthority walks them on every destroy and every relayed claim it receives,
// where ConnectedPeers' LINQ chain allocated its iterators each time.
public sealed partial class PeerMesh
{
    /// <summary>The peers linked now, as <see cref="ConnectedPeers"/> lists them, enumerated without allocating.</summary>
    internal LinkedPeerList LinkedPeers => new(this);

    /// <summary>Whether a link to <paramref name="peerId"/> is up (either way), without allocating.</summary>
    internal bool IsLinked(ulong peerId)
    {
        foreach (ulong peer in LinkedPeers)
        {
            if (peer == peerId) return true;
        }

        return false;
    }

    /// <summary>What <c>foreach</c> walks: the incoming links, then the outgoing ones that are connected.</summary>
    internal readonly struct LinkedPeerList(PeerMesh mesh)
    {
        public Enumerator GetEnumerator() => new(mesh.incoming.Values.GetEnumerator(), mesh.outgoing.GetEnumerator());
    }

    /// <summary>A struct enumerator over both collections' struct enumerators.</summary>
    internal struct Enumerator(Dictionary<ConnectionId, ulong>.ValueCollection.Enumerator incoming, List<(ulong Peer, NetClient Client)>.Enumerator outgoing)
    {
        private Dictionary<ConnectionId, ulong>.ValueCollection.Enumerator incoming = incoming;
        private List<(ulong Peer, NetClient Client)>.Enumerator outgoing = outgoing;
        private bool incomingDone;

        public ulong Current { get; private set; }

        public bool MoveNext()
        {
            if (!incomingDone)
            {
                if (incoming.MoveNext())
                {
                    Current = incoming.Current;
                    return true;
                }

                incomingDone = true;
            }

            while (outgoing.MoveNext())
            {
                if (outgoing.Current.Client.State == ClientState.Connected)
                {
                    Current = outgoing.Current.Peer;
                    return true;
                }
            }

            return false;
        }
    }
}
