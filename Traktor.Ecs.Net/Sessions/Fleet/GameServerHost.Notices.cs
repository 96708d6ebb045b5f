namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// End-of-session notices that survive loss: a player's <see cref="DisconnectReason.SessionEnded"/> (its session ended or
/// closed, the drain ended it) is three unconfirmed datagrams, all lost one time in eight at 50 % loss, and a player that
/// heard none of them went on sending until its own timeout and read "timed out". The host has the router's server repeat
/// every notice it sends (<see cref="NetServer.RepeatNoticesFor"/>, <see cref="NoticeRepeats"/>) to a player still sending
/// on its closed connection, within the budgets of <see cref="Transport.RepeatedNotices"/> (at most as many closed
/// connections as the server has slots, each for <see cref="NoticeRepeats"/>), and completes only once those repeats are
/// over: a process that exits at <see cref="Completion"/> reads its socket until its last players have been told.
/// </summary>
public sealed partial class GameServerHost
{
    /// <summary>
    /// How long a player still sending on its closed connection is told again: at least twenty of its keep-alives (every
    /// 100 ms) are answered, of which at 50 % loss one player in about 10⁵ would miss every one; also the longest a
    /// <see cref="Completion"/> waits for the repeats once the host is done.
    /// </summary>
    internal static readonly TimeSpan NoticeRepeats = TimeSpan.FromSeconds(2);

    private GameServerExit finishingWith; // tick thread: the exit decided (the first reason), Running before
    private long finishingSince;

    /// <summary>
    /// Finishes <see cref="Completion"/> with <paramref name="why"/> (the first reason wins): at once when no notice is being
    /// repeated (or the host is disposed, and nothing reads the socket any more), else once the repeats are over, at most
    /// <see cref="NoticeRepeats"/> later (<see cref="FinishWhenNoticesRepeated"/>, every tick). Tick thread.
    /// </summary>
    private void Finish(GameServerExit why)
    {
        if (finishingWith == GameServerExit.Running)
        {
            finishingWith = why;
            finishingSince = time.GetTimestamp();
        }

        if (why != GameServerExit.Disposed && router.Server.RepeatsNotices && time.GetElapsedTime(finishingSince) < NoticeRepeats)
        {
            return; // the last players' notices are still repeated: the process must go on reading its socket
        }

        Interlocked.CompareExchange(ref exit, (int)finishingWith, (int)GameServerExit.Running);
        completion.TrySetResult();
    }

    /// <summary>Tick thread, at the end of each tick: completes a host that was done once its notices' repeats are over.</summary>
    private void FinishWhenNoticesRepeated()
    {
        if (finishingWith != GameServerExit.Running && !completion.Task.IsCompleted)
        {
            Finish(finishingWith);
        }
    }

    /// <summary>True once the host is done and only waits for its notices' repeats (tick thread).</summary>
    private bool Finishing => finishingWith != GameServerExit.Running;
}
