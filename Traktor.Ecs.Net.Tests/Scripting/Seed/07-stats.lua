-- Get network stats
local stats = multiplayer:getStats()
log:info("Ping: " .. stats.ping .. " ms")
log:info("Packet loss: " .. stats.packetLoss .. "%")
log:info("Bandwidth: " .. stats.bandwidth .. " KB/s")
