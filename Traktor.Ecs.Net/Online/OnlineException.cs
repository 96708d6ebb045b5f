namespace Traktor.Ecs.Net.Online;

/// <summary>The typed failure of an online-service call.</summary>
public sealed class OnlineException : Exception
{
    /// <summary>Creates a failure with a code and a human-readable reason.</summary>
    /// <param name="error">What kind of failure this is.</param>
    /// <param name="message">A reason safe to show to the caller (never secrets).</param>
    /// <param name="retryAfter">For <see cref="OnlineError.RateLimited"/> or a busy <see cref="OnlineError.Unavailable"/>: how long to wait before retrying.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public OnlineException(OnlineError error, string message, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
        RetryAfter = retryAfter;
    }

    /// <summary>What kind of failure this is.</summary>
    public OnlineError Error { get; }

    /// <summary>For <see cref="OnlineError.RateLimited"/> and a busy <see cref="OnlineError.Unavailable"/>: how long to wait before retrying; otherwise null.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// The specific kind of failure, one of <see cref="OnlineProblemTypes"/> (for example
    /// <see cref="OnlineProblemTypes.IdempotencyKeyReused"/> beside <see cref="OnlineError.Conflict"/>); null means
    /// the default type of <see cref="Error"/>. Over HTTP it is the problem details' <c>type</c>.
    /// </summary>
    public string? ProblemType { get; init; }

    /// <summary>Shorthand for an <see cref="OnlineError.InvalidArgument"/> failure.</summary>
    /// <param name="message">What is wrong with the argument.</param>
    public static OnlineException Invalid(string message) => new(OnlineError.InvalidArgument, message);

    /// <summary>Shorthand for an <see cref="OnlineError.NotFound"/> failure.</summary>
    /// <param name="message">What was not found.</param>
    public static OnlineException NotFound(string message) => new(OnlineError.NotFound, message);

    /// <summary>Shorthand for an <see cref="OnlineError.Unauthorized"/> failure.</summary>
    /// <param name="message">Why the caller is not authenticated.</param>
    public static OnlineException Unauthorized(string message) => new(OnlineError.Unauthorized, message);
}
