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
        if (delivery.Waiting == 0 && (endingServer!.ConnectionCount == 0 || endingServer.Clock.GetUtcNow() >= delivery.Deadline))
        {
            FinishEnding(cut: false);
        }
    }

    /// <summary>An ended host's send: this tick's world to whoever still waits for it.</summary>
    private void SendEnding(in float state) => endingHost?.AfterUpdate(in state);

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
        (endingHost, endingServer, endingGroup, delivery) = (null, null, null, null);
    }
}
