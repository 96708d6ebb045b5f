namespace Traktor.Ecs.Net.Online.Leaderboards;

/// <summary>
/// The pure rules of a submission: validate it against the board's bounds and combine it with the
/// current record through the board's operator. Arithmetic is done in 128 bits, so no submission can
/// overflow a record; results outside the board's bounds are refused instead of clamped.
/// </summary>
public static class LeaderboardScoring
{
    /// <summary>Checks a definition's own consistency.</summary>
    /// <param name="definition">The definition.</param>
    /// <exception cref="OnlineException"><see cref="OnlineError.InvalidArgument"/> when it is inconsistent.</exception>
    public static void CheckDefinition(LeaderboardDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        OnlineLimits.CheckId(definition.Id, "Leaderboard id");
        if (!Enum.IsDefined(definition.SortOrder))
        {
            throw OnlineException.Invalid("Unknown sort order.");
        }
        if (!Enum.IsDefined(definition.Operator))
        {
            throw OnlineException.Invalid("Unknown operator.");
        }
        if (definition.MinScore > definition.MaxScore)
        {
            throw OnlineException.Invalid("MinScore must not exceed MaxScore.");
        }
        if (definition.MaxChangePerSubmission is < 0)
        {
            throw OnlineException.Invalid("MaxChangePerSubmission must not be negative.");
        }
        if (definition.ResetSchedule is not null)
        {
            CronSchedule.Parse(definition.ResetSchedule);
        }
    }

    /// <summary>Combines a submission with the current record.</summary>
    /// <param name="definition">The board.</param>
    /// <param name="current">The player's current score in the period, or null for a first submission.</param>
    /// <param name="submitted">The submitted score (or amount, for increment and decrement).</param>
    /// <returns>The new score and whether it differs from the current record.</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.InvalidArgument"/> when the submission breaks the board's rules.</exception>
    public static (long Score, bool Changed) Apply(LeaderboardDefinition definition, long? current, long submitted)
    {
        Int128 result;
        switch (definition.Operator)
        {
            case LeaderboardOperator.Increment or LeaderboardOperator.Decrement:
                if (submitted < 0)
                {
                    throw OnlineException.Invalid("Increment and decrement boards take a non-negative amount.");
                }
                if (definition.MaxChangePerSubmission is { } maxAmount && submitted > maxAmount)
                {
                    throw OnlineException.Invalid($"The amount exceeds this board's maximum change of {maxAmount} per submission.");
                }
                Int128 start = current ?? 0;
                result = definition.Operator == LeaderboardOperator.Increment ? start + submitted : start - submitted;
                break;
            default:
                if (submitted < definition.MinScore || submitted > definition.MaxScore)
                {
                    throw OnlineException.Invalid($"The score must be between {definition.MinScore} and {definition.MaxScore}.");
                }
                if (current is { } previous && definition.MaxChangePerSubmission is { } maxChange
                    && Int128.Abs((Int128)submitted - previous) > maxChange)
                {
                    throw OnlineException.Invalid($"The score changes the record by more than this board's maximum of {maxChange} per submission.");
                }
                result = submitted;
                if (definition.Operator == LeaderboardOperator.Best && current is { } best && !IsBetter(definition.SortOrder, submitted, best))
                {
                    result = best;
                }
                break;
        }
        if (result < definition.MinScore || result > definition.MaxScore)
        {
            throw OnlineException.Invalid($"The resulting score must be between {definition.MinScore} and {definition.MaxScore}.");
        }
        long score = (long)result;
        return (score, current != score);
    }

    /// <summary>Whether <paramref name="candidate"/> ranks strictly above <paramref name="incumbent"/>.</summary>
    /// <param name="order">The board's sort order.</param>
    /// <param name="candidate">The new score.</param>
    /// <param name="incumbent">The current score.</param>
    public static bool IsBetter(LeaderboardSortOrder order, long candidate, long incumbent) =>
        order == LeaderboardSortOrder.Descending ? candidate > incumbent : candidate < incumbent;
}
