using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net;

/// <summary>
/// A host that ended its session (<see cref="EndSession"/>) goes on serving its players for a moment, out of the session
/// already: each gets the final world in every tick until it holds it (<see cref="EndDelivery"/>), then the
/// <see cref="DisconnectReason.SessionEnded"/> notice, within <see cref="SessionRelay.EndDeliveryWait"/>; then the server and
/// the host systems go, so a player whose link loses a snapshot still ends on the final world, not an older one.
/// </summary>
public sealed partial class MigratingPeer
{
    // The ended session's host, server and host systems while its players are let go; null before and after.
    private NetworkHost? endingHost;
    private NetServer? endingServer;
    private Group<float>? endingGroup;
    private EndDelivery? delivery;

    /// <summary>
    /// True from <see cref="EndSession"/> until every player of the ended session holds its final world and was let go, or
    /// <see cref="SessionRelay.EndDeliveryWait"/> ran out (on the server's clock), or <see cref="Dispose"/> cut it short:
    /// keep ticking the peer while it is true, then dispose it. False on a peer that did not end a session.
    /// </summary>
    public bool IsDeliveringEnd => endingHost is not null;

    /// <summary>
    /// Raised on the tick thread, after <see cref="EndSession"/>, for each peer whose connection to this host's server closes
    /// while the final world is delivered (<see cref="IsDeliveringEnd"/>): let go with <see cref="DisconnectReason.SessionEnded"/>,
    /// or gone first; <see cref="PlayerReleasedAfterEndEvent.HeldFinalWorld"/> says whether it holds the final world. The
    /// server's <see cref="NetworkServer.ClientDisconnected"/> is held back then (the world is the end screen): this is what
    /// a game that wants to know "peer X has seen the end and left" reads. Peers still connected when the peer is disposed
    /// before the delivery is over are told at once and raise nothing.
    /// </summary>
    public event Action<PlayerReleasedAfterEndEvent>? PlayerReleasedAfterEnd;

    private void OnPeerReleased(PlayerReleasedAfterEndEvent released) => PlayerReleasedAfterEnd?.Invoke(released);

    /// <summary>The host role stops serving the session, but its server runs on until every player holds the final world.</summary>
    private void BeginEnding()
    {
        var host = Host!;
        host.Server.ClientConnected -= OnPeerConnected;    // the session is over: nobody joins it, nothing migrates,
        host.Server.ClientDisconnected -= OnPeerDisconnected;
        host.Server.Sending -= PublishPlan;                // and no plan goes out any more
        host.Server.HoldsBackDisconnects = true;           // the world is the end screen: the game hears no player leave it
        server!.RefusesEveryone = DisconnectReason.SessionEnded; // a newcomer hears at once that there is no session
        endingHost = host;
        endingServer = server;
        endingGroup = active;
        delivery = new EndDelivery(host.Server);
        delivery.Begin(host.Server.Connections);
        active = null;
        ForgetPeers();
    }

    /// <summary>An ended host's receive: lets go the players that hold the final world, and stops once all are gone.</summary>
    private void ReceiveEnding(in float state)
    {
        endingHost!.BeforeUpdate(in state);
        delivery!.Update();
        // Done: stops after this tick's send, so the event entities of this tick's releases live through the tick and go.
        endingDone = delivery.Waiting == 0 && (endingServer!.ConnectionCount == 0 || endingServer.Clock.GetUtcNow() >= delivery.Deadline);
    }

    // True once the delivery is over: the server goes at the end of the tick (SendEnding).
    private bool endingDone;

    /// <summary>An ended host's send: this tick's world to whoever still waits for it; the server goes once the delivery is over.</summary>
    private void SendEnding(in float state)
    {
        endingHost?.AfterUpdate(in state);
        if (endingDone)
        {
            FinishEnding(cut: false);
        }
    }

    /// <summary>
    /// The ended session's server goes: whoever is still connected is told <see cref="DisconnectReason.SessionEnded"/> now.
    /// <paramref name="cut"/> when the delivery did not finish (the peer is disposed): the world as it is now goes out first,
    /// as one snapshot not repeated, so a player gets at least that.
    /// </summary>
    private void FinishEnding(bool cut)
    {
        if (endingHost is null)
        {
            return;
        }

        if (cut && !endingServer!.IsDisposed)
        {
            endingHost.Server.SendFinalSnapshots();
        }

        endingServer?.DisconnectAll(DisconnectReason.SessionEnded); // also one admitted meanwhile (else ServerShutdown: a lost host)
        endingGroup?.Dispose();
        endingServer?.Dispose();
        (endingHost, endingServer, endingGroup, delivery, endingDone) = (null, null, null, null, false);
    }
}
