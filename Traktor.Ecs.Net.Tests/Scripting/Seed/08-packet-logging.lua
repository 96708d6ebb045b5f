netConfig.logPackets = true;
