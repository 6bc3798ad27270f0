"""Job workers for the Article 8 exemption procedure (容错免责程序) of the Youxian measures."""
