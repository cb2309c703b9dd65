#include "net/url.h"

#include <gtest/gtest.h>

namespace agentreplay::net {
namespace {

TEST(UrlTest, ParsesSchemesDefaultsPortsAndPaths) {
  auto openai = ParseBaseUrl("https://api.openai.com/v1/");
  ASSERT_TRUE(openai);
  EXPECT_TRUE(openai->tls);
  EXPECT_EQ(openai->host, "api.openai.com");
  EXPECT_EQ(openai->port, 443);
  EXPECT_EQ(openai->path, "/v1");
  EXPECT_EQ(openai->Origin(), "https://api.openai.com:443");

  auto local = ParseBaseUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(local);
  EXPECT_FALSE(local->tls);
  EXPECT_EQ(local->port, 8080);
  EXPECT_EQ(local->path, "");

  auto v6 = ParseBaseUrl("HTTP://[::1]:9000/x");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->Authority(), "[::1]:9000");
}

TEST(UrlTest, RejectsWhatItCannotServe) {
  const auto ftp = ParseBaseUrl("ftp://x");
  ASSERT_FALSE(ftp);
  EXPECT_NE(ftp.error().find("scheme"), std::string::npos);
  EXPECT_FALSE(ParseBaseUrl("api.openai.com/v1"));
  EXPECT_FALSE(ParseBaseUrl("http://:80"));
  EXPECT_FALSE(ParseBaseUrl("http://h:99999"));
  EXPECT_FALSE(ParseBaseUrl("http://h:12x"));
  EXPECT_FALSE(ParseBaseUrl("http://u:p@h/"));
  EXPECT_FALSE(ParseBaseUrl("http://h/v1?x=1"));
}

TEST(UrlTest, KnowsLoopbackHosts) {
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.8.9.10"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("api.openai.com"));
  EXPECT_FALSE(IsLoopbackHost("localhost.example.com"));
}

}  // namespace
}  // namespace agentreplay::net
