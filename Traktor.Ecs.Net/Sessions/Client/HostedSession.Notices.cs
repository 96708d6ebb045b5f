using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// A stopped host's end-of-session notice, repeated: <see cref="DisconnectReason.SessionEnded"/> or
/// <see cref="DisconnectReason.HostGaveWay"/> is three unconfirmed datagrams, all lost one time in eight at 50 % loss, and a
/// player that heard none of them keeps sending until its own end times out: it reads "timed out", takes it for its host's
/// loss and starts a host migration of a session that is over (or was handed to a successor), instead of learning why. Its
/// packets prove it never heard, so the server stays on for <see cref="NoticeRepeats"/> after <see cref="Stop"/> and
/// answers each one with the notice again (<see cref="NetServer.DisconnectAll(DisconnectReason, TimeSpan)"/>, budgets in
/// <see cref="RepeatedNotices"/>); a player that heard falls silent, which ends its repeats.
/// </summary>
internal sealed partial class HostedSession
{
    /// <summary>
    /// How long a player still sending on its closed connection is told again: <see cref="RepeatedNotices.MaxAnswers"/>
    /// answers at most every <see cref="RepeatedNotices.AnswerInterval"/>, and a player's keep-alives come every 100 ms, so
    /// twenty chances at least for each, of which at 50 % loss one player in about 10⁵ would miss every one.
    /// </summary>
    public static readonly TimeSpan NoticeRepeats = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A stopped host's tick while it repeats its notice (<see cref="Stop"/> returned true): reads the socket, answering the
    /// players that still send on their closed connections and refusing every handshake with the notice's reason.
    /// </summary>
    /// <returns>True once the repeats are over: the server is gone, and the socket is free to host again.</returns>
    public bool RepeatNotices()
    {
        if (server.IsDisposed)
        {
            return true; // the game disposed it: nothing more goes out
        }

        server.Update();
        while (server.TryPollEvent(out _))
        {
            // Nothing to hear: every connection is closed, and every handshake is refused.
        }

        if (server.RepeatsNotices)
        {
            return false;
        }

        server.Dispose();
        return true;
    }

    /// <summary>The repeats end now (the socket is needed to host again, or the facade is disposed): the server goes.</summary>
    public void EndNotices() => server.Dispose();
}
