"""transport/middleware"""
