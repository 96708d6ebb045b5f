namespace Traktor.Ecs.Net.Prediction;

/// <summary>Inputs by tick for the last <see cref="PredictionFormat.HistoryTicks"/> ticks, without allocation.</summary>
/// <typeparam name="TInput">The input struct.</typeparam>
internal sealed class InputHistory<TInput>
    where TInput : struct
{
    private const int Length = PredictionFormat.HistoryTicks;
    private readonly TInput[] inputs = new TInput[Length];
    private readonly uint[] ticks = new uint[Length];
    private readonly bool[] valid = new bool[Length];

    public bool Has(uint tick) => valid[tick % Length] && ticks[tick % Length] == tick;

    public void Store(uint tick, in TInput input)
    {
        int at = (int)(tick % Length);
        inputs[at] = input;
        ticks[at] = tick;
        valid[at] = true;
    }

    public bool TryGet(uint tick, out TInput input)
    {
        if (Has(tick))
        {
            input = inputs[tick % Length];
            return true;
        }

        input = default;
        return false;
    }
}
